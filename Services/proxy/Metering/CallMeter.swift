import Foundation
import Translation

/// Reads a call's usage from what the provider sends, and (for streams where the proxy asked for
/// usage on the client's behalf) holds back the usage-only last chunk the client did not ask for.
struct CallMeter {
    let format: UsageFormat
    let hidesUsageChunk: Bool
    private var events = ServerSentEvents()
    private(set) var usage: TokenUsage?
    /// Bytes of streamed data seen, for an estimate when the provider reports no usage.
    private(set) var dataBytes = 0
    private(set) var responseModel: String?

    init(format: UsageFormat, hidesUsageChunk: Bool) {
        self.format = format
        self.hidesUsageChunk = hidesUsageChunk
    }

    /// Takes a chunk of a stream; returns the bytes to forward (nil: forward the chunk as it came).
    mutating func stream(_ chunk: some Collection<UInt8>) -> [UInt8]? {
        var forward: [UInt8]? = hidesUsageChunk ? [] : nil
        for event in events.push(chunk) {
            dataBytes += event.data.count
            if let updated = format.usage(fromEvent: event.data, name: event.name, current: usage) {
                usage = updated
                if hidesUsageChunk && Self.isUsageOnly(event.data) { continue }
            }
            forward?.append(contentsOf: event.raw)
        }
        return forward
    }

    /// What a filtered stream still holds when it ends (an unterminated last event).
    var remainder: [UInt8] { hidesUsageChunk ? events.pending : [] }

    mutating func body(_ body: [UInt8]) {
        usage = format.usage(fromBody: body)
        dataBytes = body.count
    }

    /// An OpenAI chunk with no choices and a usage object: the one `include_usage` adds.
    private static func isUsageOnly(_ data: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else { return false }
        return (object["choices"] as? [Any])?.isEmpty == true && object["usage"] != nil
    }
}
