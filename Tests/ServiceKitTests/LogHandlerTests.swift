import Foundation
import Logging
import Testing

@testable import ServiceKit

@Suite("Log lines")
struct LogHandlerTests {
    func event(_ message: Logger.Message, _ metadata: Logger.Metadata?) -> LogEvent {
        LogEvent(
            level: .warning, message: message, metadata: metadata, source: "test", file: #fileID,
            function: #function, line: #line)
    }

    @Test("text: time, level, service, message, then the metadata sorted by key; the event's own wins")
    func text() throws {
        var handler = ServiceLogHandler(label: "gateway", level: .info, format: .text)
        handler[metadataKey: "request.id"] = "r-1"
        handler[metadataKey: "tenant.id"] = "t-1"
        let line = String(
            decoding: try #require(handler.line(for: event("slow call", ["tenant.id": "t-2"]))), as: UTF8.self)
        #expect(line.hasSuffix(" warning gateway: slow call request.id=r-1 tenant.id=t-2\n"))
        #expect(line.prefix(4).allSatisfy { $0.isNumber })
    }

    @Test("json: one object per line with ts, level, service, message and the metadata as strings")
    func json() throws {
        var handler = ServiceLogHandler(label: "proxy", level: .info, format: .json)
        handler[metadataKey: "request.id"] = "r-1"
        let data = try #require(handler.line(for: event("upstream \"failed\"", ["status": .stringConvertible(502)])))
        #expect(data.last == 10)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        #expect(object["level"] == "warning")
        #expect(object["service"] == "proxy")
        #expect(object["message"] == "upstream \"failed\"")
        #expect(object["request.id"] == "r-1")
        #expect(object["status"] == "502")
        #expect(object["ts"]?.hasSuffix("Z") == true)
    }
}
