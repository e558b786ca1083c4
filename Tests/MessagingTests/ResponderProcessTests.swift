import Foundation
import Messaging
import TestSupport
import Testing

@Suite("A responder process")
struct ResponderProcessTests {
    @Test("SIGTERM while requests are in flight: every one is answered, then the process exits 0")
    func sigtermAnswersInFlight() async throws {
        let server = try await NatsServer.start()
        let responder = try ChildProcess(
            try Executables.product("messaging-bench"), ["responder", "--nats-url", server.url, "--delay-ms", "400"],
            logName: "responder")
        let client = try await server.connect(name: "client")
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? await client.request("$SRV.PING.bench", timeout: .milliseconds(200))) == nil {
            guard ContinuousClock.now < deadline else { throw TestInfrastructureError(responder.output) }
        }

        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await client.request(
                        "bench.echo", payload: Array("request-\(index)".utf8), timeout: .seconds(5)
                    ).string
                }
            }
            try await Task.sleep(for: .milliseconds(150))
            // All 40 are being handled (each takes 400 ms): stop the process now.
            kill(responder.pid, SIGTERM)
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(replies == Set((0..<40).map { "request-\($0)" }))
        #expect(await responder.waitForExit(timeout: .seconds(10)) == 0, "\(responder.output)")

        let after = await #expect(throws: NatsError.self) {
            try await client.request("bench.echo", timeout: .seconds(1))
        }
        #expect(after?.code == .noResponders, "a stopped responder takes no new requests")
    }
}
