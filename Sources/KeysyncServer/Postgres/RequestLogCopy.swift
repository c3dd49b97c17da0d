import Foundation
import Logging
import PostgresNIO

/// The request log's rows as `COPY keysync_requests (…) FROM STDIN` text, streamed in chunks of
/// at most `chunkSize` bytes. Measured on PostgreSQL 15 (BENCHMARKS.md, 2026-12-02 afternoon):
/// COPY cost the server about 15 % less per row than `INSERT … SELECT FROM unnest(arrays)`, since
/// it inserts rows in batches instead of one by one through the executor; this is the one write
/// path of the log.
enum RequestLogCopy {
    static let columns = ["at", "key_id", "outcome", "method", "path", "client", "node"]
    /// Bytes per CopyData message: a batch of any size streams with bounded memory.
    static let chunkSize = 256 * 1024

    /// Appends `events` to `keysync_requests` on `connection` (inside the caller's transaction).
    static func write(_ events: [UsageEvent], node: String, on connection: PostgresConnection, logger: Logger) async throws {
        guard !events.isEmpty else { return }
        let nodeField = field(node)
        try await connection.copyFrom(table: "keysync_requests", columns: columns, logger: logger) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: chunkSize + 4096)
            for event in events {
                append(event, node: nodeField, to: &buffer)
                if buffer.readableBytes >= chunkSize {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }

    /// One row: tab-separated fields, `\N` for an unknown key, a newline at the end.
    static func append(_ event: UsageEvent, node: String, to buffer: inout ByteBuffer) {
        buffer.writeString("\(event.time.timeIntervalSince1970)\t")
        buffer.writeString(event.keyID.map(field) ?? "\\N")
        for value in [event.outcome.rawValue, event.method, event.path, event.client] {
            buffer.writeString("\t")
            buffer.writeString(field(value))
        }
        buffer.writeString("\t")
        buffer.writeString(node)
        buffer.writeString("\n")
    }

    /// A value in COPY's text format: backslash, tab, newline and carriage return escaped. A
    /// NUL (which no PostgreSQL text can hold, and which would fail the whole batch on every
    /// retry) becomes U+FFFD.
    static func field(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5c || $0 == 0x09 || $0 == 0x0a || $0 == 0x0d || $0 == 0 }) else { return value }
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\u{0}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
