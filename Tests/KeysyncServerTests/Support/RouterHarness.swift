import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KeysyncServer
import KeysyncCore
import XCTest

/// One response as the tests look at it.
struct Answer {
    var status: Int
    var headers: HTTPFields
    var body: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

extension TestClientProtocol {
    /// A request with the given headers (name → value; a name may repeat via `extra`).
    func send(_ path: String, method: HTTPRequest.Method = .get, headers: [(String, String)] = [], body: String? = nil)
        async throws -> Answer
    {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return try await execute(uri: path, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) }) { response in
            Answer(status: Int(response.status.code), headers: response.headers,
                   body: response.body.getString(at: response.body.readerIndex, length: response.body.readableBytes) ?? "")
        }
    }
}

/// Builds the server for `fixture` and runs `body` against it (`.router`: no socket; `.live`: a real port).
func withServer(
    _ fixture: ServerFixture, clock: ManualClock? = nil, logs: LogCapture, setup: TestingSetup = .router,
    pollInterval: Duration = .seconds(60), trustedProxies: [IPAddressRange] = [],
    _ body: @escaping @Sendable (any TestClientProtocol, ServerComponents) async throws -> Void
) async throws {
    var configuration = fixture.configuration(clock: clock, logs: logs, pollInterval: pollInterval)
    configuration.trustedProxies = trustedProxies
    let (app, components) = try buildApplication(configuration: configuration)
    try await app.test(setup) { client in try await body(client, components) }
}
