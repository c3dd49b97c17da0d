import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the peer address, for the request log.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Keys travel in headers; a body larger than a JSON `{"key": ...}` has no business here.
    public var maxUploadSize: Int { 16 * 1024 }
}
