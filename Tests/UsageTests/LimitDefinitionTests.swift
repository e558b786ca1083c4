import Contracts
import Foundation
import Messaging
import Testing

@testable import Usage

@Suite("Limit definitions")
struct LimitDefinitionTests {
    static let blank = LimitDefinition(blank: UUID(), owner: .tenant)

    static func input(_ json: String) throws -> LimitInput {
        try JSONBodyDecoder.decode(LimitInput.self, from: Data(json.utf8))
    }

    @Test(
        "a complete limit",
        arguments: [
            #"{"requests": 10, "window": "minute"}"#,
            #"{"tokens": 0, "window": "day", "apiKeyId": "8a0c3a52-1c89-4c21-9b0b-1d8f3b3f8f01"}"#,
            #"{"budgetMicroUsd": 5000000, "period": "total", "model": "smart"}"#,
            #"{"requests": 1, "window": "hour", "budgetMicroUsd": 1, "period": "month", "service": "groq", "model": "groq/llama-3.1-8b-instant"}"#,
        ])
    func valid(_ json: String) throws {
        _ = try LimitDefinition(try Self.input(json), changing: Self.blank)
    }

    @Test(
        "what does not make a limit is refused, naming why",
        arguments: [
            (#"{}"#, "at least one of"),
            (#"{"name": "", "requests": 1, "window": "minute"}"#, "`name`"),
            (
                #"{"requests": 1, "window": "minute", "apiKeyId": "8a0c3a52-1c89-4c21-9b0b-1d8f3b3f8f01", "userId": "8a0c3a52-1c89-4c21-9b0b-1d8f3b3f8f02"}"#,
                "not both"
            ),
            (#"{"requests": 1}"#, "`window` (minute, hour or day) is required"),
            (#"{"requests": 1, "window": "month"}"#, "`window` must be one of minute, hour, day"),
            (#"{"budgetMicroUsd": 1, "period": "minute"}"#, "`period` must be one of day, month, total"),
            (#"{"budgetMicroUsd": 1, "period": "day", "window": "day"}"#, "`window` goes with"),
            (#"{"requests": 1, "window": "minute", "period": "day"}"#, "`period` goes with"),
            (#"{"requests": -5, "window": "minute"}"#, "`requests` must be an integer from 0"),
            (#"{"requests": 1, "window": "minute", "service": "skynet"}"#, "`service` must be one of"),
            (#"{"requests": 1, "window": "minute", "model": "openai/"}"#, "`model` must be `service/model`"),
            (#"{"requests": 1, "window": "minute", "service": "openai", "model": "groq/x"}"#, "names the service groq"),
        ])
    func invalid(_ json: String, _ problem: String) throws {
        let error = #expect(throws: ServiceError.self) {
            try LimitDefinition(try Self.input(json), changing: Self.blank)
        }
        #expect(error?.code == .unprocessable)
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
    }

    @Test("a change keeps what it does not name and clears what it sends as null")
    func change() throws {
        let limit = try LimitDefinition(
            try Self.input(#"{"name": "a", "requests": 10, "window": "minute", "service": "openai"}"#),
            changing: Self.blank)
        let changed = try LimitDefinition(try Self.input(#"{"name": null, "requests": 20}"#), changing: limit)
        #expect(changed.name == nil && changed.requests == 20 && changed.window == .minute)
        #expect(changed.service == "openai" && changed.id == limit.id && changed.owner == .tenant)
        #expect(throws: ServiceError.self) {
            try LimitDefinition(try Self.input(#"{"window": null}"#), changing: limit)
        }
    }
}
