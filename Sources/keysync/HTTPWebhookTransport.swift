import AsyncHTTPClient
import Notices

/// Posts the webhook message with async-http-client (JSON body, 30 s deadline). Any 2xx is
/// success; anything else, a redirect included, is a failure, retried by the next run: the
/// client follows no redirect, so the message goes to the configured host or nowhere.
struct HTTPWebhookTransport: WebhookTransport {
    let url: WebhookURL

    func post(_ message: NoticeWebhookMessage) async throws(NoticeSendError) {
        var request = HTTPClientRequest(url: url.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(message.body)
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        let outcome: Result<UInt, any Error>
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 64 * 1024)
            outcome = .success(response.status.code)
        } catch {
            outcome = .failure(error)
        }
        try? await client.shutdown()
        let status: UInt
        switch outcome {
        case .success(let code):
            status = code
        case .failure(let error):
            throw NoticeSendError("cannot post to the webhook (\(url.origin)): \(url.redacting(String(describing: error)))")
        }
        guard (200..<300).contains(status) else {
            throw NoticeSendError("the webhook (\(url.origin)) answered HTTP \(status)")
        }
    }
}
