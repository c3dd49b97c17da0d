import Foundation
import HTTPTypes
import Hummingbird
import KeysyncCore

extension HTTPField.Name {
    static let xAPIKey = Self("X-API-Key")!
    static let keyID = Self("X-Keysync-Key-Id")!
    static let team = Self("X-Keysync-Team")!
    static let keyName = Self("X-Keysync-Key-Name")!
    static let plan = Self("X-Keysync-Plan")!
    static let code = Self("X-Keysync-Code")!
    static let message = Self("X-Keysync-Message")!
    static let rateLimitPolicy = Self("RateLimit-Policy")!
    static let rateLimit = Self("RateLimit")!
    static let xRateLimitLimit = Self("X-RateLimit-Limit")!
    static let xRateLimitRemaining = Self("X-RateLimit-Remaining")!
    static let xRateLimitReset = Self("X-RateLimit-Reset")!
    static let xForwardedMethod = Self("X-Forwarded-Method")!
    static let xForwardedURI = Self("X-Forwarded-Uri")!
    static let xOriginalMethod = Self("X-Original-Method")!
    static let xOriginalURI = Self("X-Original-URI")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRealIP = Self("X-Real-IP")!
    /// The scope the route requires, set by the gateway per route (`resource:action`).
    static let scope = Self("X-Keysync-Scope")!
}

/// How a decision becomes an HTTP response, per kind of caller. Pure: a decision in, a response out.
enum AuthResponses {
    /// The policy name of the rate-limit headers (draft-ietf-httpapi-ratelimit-headers).
    static let policyName = "default"

    /// Envoy ext_authz, Traefik forwardAuth, Caddy forward_auth: 200, 401, 403 or 429 as is.
    static func forwardAuth(_ decision: AuthDecision) -> Response {
        gatewayResponse(decision, status: decision.code.httpStatus)
    }

    /// nginx auth_request turns anything but 2xx/401/403 into a 500, so a rate-limited key
    /// gets 403 with `X-Keysync-Code: RATE_LIMITED` and `Retry-After`; the shipped snippet maps
    /// it back to 429.
    static func nginx(_ decision: AuthDecision) -> Response {
        let status = decision.code == .rateLimited ? 403 : decision.code.httpStatus
        var response = gatewayResponse(decision, status: status)
        if !decision.isAllowed { response.headers[.message] = headerSafe(decision.message) }
        return response
    }

    /// nginx drops the auth response's body, so its snippet rebuilds the JSON error from
    /// headers; the message goes in one, as printable ASCII without quotes or backslashes (it
    /// lands inside a JSON string).
    static func headerSafe(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            switch scalar {
            case "\\", "\"": "'"
            case " "..."~": scalar
            default: "?"
            }
        }))
    }

    private static func gatewayResponse(_ decision: AuthDecision, status: Int) -> Response {
        // Appended, not assigned: the fields are new, and assigning searches them for the name.
        var headers = HTTPFields()
        headers.reserveCapacity(12)
        headers.append(HTTPField(name: .code, value: decision.code.rawValue))
        addRateLimitHeaders(decision, to: &headers)
        if decision.isAllowed, let key = decision.key {
            headers.append(HTTPField(name: .keyID, value: key.id.rawValue))
            headers.append(HTTPField(name: .team, value: key.team))
            headers.append(HTTPField(name: .keyName, value: key.name))
            headers.append(HTTPField(name: .plan, value: decision.plan ?? ""))
            headers.append(HTTPField(name: .contentLength, value: "0"))
            return Response(status: .init(code: status), headers: headers)
        }
        let body = ErrorBody(error: .init(code: decision.code.rawValue, message: decision.message,
                                          retryAfter: decision.rateLimit?.retryAfter))
        return json(body, status: status, headers: headers)
    }

    /// `RateLimit-Policy`, `RateLimit`, the older `X-RateLimit-*`, and `Retry-After` on a
    /// refusal, appended to `headers`, which must hold none of them yet.
    static func addRateLimitHeaders(_ decision: AuthDecision, to headers: inout HTTPFields) {
        guard let rate = decision.rateLimit else { return }
        let limit = String(rate.limit), remaining = String(rate.remaining), reset = String(rate.reset)
        headers.append(HTTPField(name: .rateLimitPolicy, value: policyPrefix + limit + policyWindow))
        headers.append(HTTPField(name: .rateLimit, value: remainingPrefix + remaining + ";t=" + reset))
        headers.append(HTTPField(name: .xRateLimitLimit, value: limit))
        headers.append(HTTPField(name: .xRateLimitRemaining, value: remaining))
        headers.append(HTTPField(name: .xRateLimitReset, value: reset))
        if decision.code == .rateLimited, let retryAfter = rate.retryAfter {
            headers.append(HTTPField(name: .retryAfter, value: String(max(1, retryAfter))))
        }
    }

    /// The constant parts of the two structured rate-limit fields, spelled once:
    /// `"default";q=<limit>;w=60` and `"default";r=<remaining>;t=<reset>`.
    private static let policyPrefix = "\"\(policyName)\";q="
    private static let policyWindow = ";w=\(Int(RateLimiter.window))"
    private static let remainingPrefix = "\"\(policyName)\";r="

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var retryAfter: Int?
            enum CodingKeys: String, CodingKey { case code, message, retryAfter = "retry_after" }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(code, forKey: .code)
                try c.encode(message, forKey: .message)
                try c.encode(retryAfter, forKey: .retryAfter)  // explicit null: one shape for every refusal
            }
        }
        var error: Detail
    }

    /// `POST /v1/keys.verify`: always 200 (for a decision), the outcome in the body. Only a key
    /// that works (valid, or valid but rate limited) is described: a caller presenting a refused
    /// key learns why, not whose it was.
    static func keysVerify(_ decision: AuthDecision) -> Response {
        var headers = HTTPFields()
        addRateLimitHeaders(decision, to: &headers)
        var key: VerifyBody.Key?
        if decision.code == .valid || decision.code == .rateLimited, let k = decision.key {
            key = .init(id: k.id.rawValue, team: k.team, name: k.name, plan: decision.plan)
        }
        let rate = decision.rateLimit.map { VerifyBody.RateLimit(limit: $0.limit, remaining: $0.remaining, reset: $0.reset) }
        let body = VerifyBody(valid: decision.isAllowed, code: decision.code.rawValue, message: decision.message,
                              key: key, ratelimit: rate, retryAfter: decision.code == .rateLimited ? decision.rateLimit?.retryAfter : nil)
        return json(body, status: 200, headers: headers)
    }

    struct VerifyBody: Encodable {
        struct Key: Encodable {
            var id, team, name: String
            var plan: String?
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(id, forKey: .id)
                try c.encode(team, forKey: .team)
                try c.encode(name, forKey: .name)
                try c.encode(plan, forKey: .plan)
            }
            enum CodingKeys: String, CodingKey { case id, team, name, plan }
        }
        struct RateLimit: Encodable { var limit, remaining, reset: Int }
        var valid: Bool
        var code: String
        var message: String
        var key: Key?
        var ratelimit: RateLimit?
        var retryAfter: Int?
        enum CodingKeys: String, CodingKey { case valid, code, message, key, ratelimit, retryAfter = "retry_after" }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(valid, forKey: .valid)
            try c.encode(code, forKey: .code)
            try c.encode(message, forKey: .message)
            try c.encode(key, forKey: .key)
            try c.encode(ratelimit, forKey: .ratelimit)
            try c.encode(retryAfter, forKey: .retryAfter)
        }
    }

    /// A request this endpoint cannot take (not JSON, no `key`): 400 with the same error shape.
    static func badRequest(_ message: String) -> Response {
        json(ErrorBody(error: .init(code: "BAD_REQUEST", message: message, retryAfter: nil)), status: 400, headers: HTTPFields())
    }

    static func json(_ value: some Encodable, status: Int, headers: HTTPFields) -> Response {
        var data: [UInt8]
        do {
            data = try JSONWriter.encode(value, layout: .compact)
        } catch {
            preconditionFailure("the response bodies are plain strings and numbers: \(error)")
        }
        data.append(0x0A)
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
