import Foundation
import Logging
import Messaging
import TestSupport
import Testing

@Suite("Request and reply")
struct RequestReplyTests {
    @Test("headers travel both ways and the payload comes back")
    func headersBothWays() async throws {
        let server = try await NatsServer.start()
        let responder = try await server.connect(name: "responder")
        let requester = try await server.connect(name: "requester")
        let subscription = try responder.subscribe("echo.headers")
        try await responder.flush()

        async let served: Void = {
            for await message in subscription {
                var headers: MessageHeaders = ["X-Echo-Tenant": message.headers["X-Tenant"] ?? "missing"]
                headers.add("X-Multi", "one")
                headers.add("X-Multi", "two")
                try responder.reply(to: message, payload: Array("re: \(message.string)".utf8), headers: headers)
                return
            }
        }()

        let reply = try await requester.request(
            "echo.headers", payload: Array("hello".utf8), headers: ["X-Tenant": "t-1"], timeout: .seconds(2))
        try await served
        #expect(reply.string == "re: hello")
        #expect(reply.headers["X-Echo-Tenant"] == "t-1")
        #expect(reply.headers["x-echo-tenant"] == "t-1", "lookup ignores case")
        #expect(reply.headers.values("X-Multi") == ["one", "two"])
    }

    @Test("a header with an empty value does not cost the message its other headers")
    func emptyHeaderValue() async throws {
        let server = try await NatsServer.start()
        let responder = try await server.connect(name: "responder")
        let requester = try await server.connect(name: "requester")
        let subscription = try responder.subscribe("echo.empty")
        try await responder.flush()
        async let served: Void = {
            for await message in subscription {
                let seen = message.headers.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
                try responder.reply(to: message, payload: Array(seen.utf8))
                return
            }
        }()
        var headers: MessageHeaders = ["Request-Id": ""]
        headers.add("Tenant-Id", "t-1")
        let reply = try await requester.request("echo.empty", headers: headers, timeout: .seconds(2))
        try await served
        #expect(reply.string == "Tenant-Id=t-1", "the empty one is not sent; the next one arrives whole")
    }

    @Test("no responders is told apart from a timeout")
    func noRespondersVersusTimeout() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()

        let nobody = await #expect(throws: NatsError.self) {
            try await connection.request("nobody.listens", timeout: .seconds(2))
        }
        #expect(nobody?.code == .noResponders)

        let silent = try connection.subscribe("silent.responder")
        try await connection.flush()
        let clock = ContinuousClock()
        let start = clock.now
        let timedOut = await #expect(throws: NatsError.self) {
            try await connection.request("silent.responder", timeout: .milliseconds(200))
        }
        #expect(timedOut?.code == .timeout)
        let waited = clock.now - start
        #expect(waited >= .milliseconds(200) && waited < .seconds(2))
        try silent.unsubscribe()
    }

    @Test("a service error in the reply headers is thrown as ServiceError")
    func serviceErrorIsThrown() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let service = MicroService(
            connection: connection,
            identity: .init(name: "errors", version: "1.0.0", description: "fails on purpose"),
            endpoints: [
                .request("fail", subject: "errors.fail", queueGroup: "errors") { _ in
                    throw ServiceError.unprocessable("field `name` is too long")
                }
            ],
            logger: .init(label: "test"))
        try await withRunningService(service) {
            let error = await #expect(throws: ServiceError.self) {
                try await connection.request("errors.fail", timeout: .seconds(2))
            }
            #expect(error == ServiceError(.unprocessable, "field `name` is too long"))
        }
    }

    @Test("a cancelled request ends at once with CancellationError")
    func cancelledRequest() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let silent = try connection.subscribe("slow.responder")
        try await connection.flush()
        let task = Task { try await connection.request("slow.responder", timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        try silent.unsubscribe()
    }

    @Test("a queue group spreads requests over its members")
    func queueGroupSpreadsLoad() async throws {
        let server = try await NatsServer.start()
        let requester = try await server.connect(name: "requester")
        let members = [try await server.connect(name: "a"), try await server.connect(name: "b")]
        let services = members.enumerated().map { index, connection in
            MicroService(
                connection: connection,
                identity: .init(name: "spread", version: "1.0.0", description: "queue group member"),
                endpoints: [
                    .request("who", subject: "spread.who", queueGroup: "spread") { _ in
                        Reply(payload: Array("member-\(index)".utf8))
                    }
                ],
                logger: .init(label: "test"))
        }
        try await withRunningServices(services) {
            var counts: [String: Int] = [:]
            for _ in 0..<200 {
                let reply = try await requester.request("spread.who", timeout: .seconds(2))
                counts[reply.string, default: 0] += 1
            }
            #expect(counts.values.reduce(0, +) == 200)
            #expect(counts["member-0", default: 0] >= 40, "\(counts)")
            #expect(counts["member-1", default: 0] >= 40, "\(counts)")
        }
    }
}
