import Foundation
import Logging
import Messaging
import TestSupport
import Testing

@Suite("Connection")
struct ConnectionTests {
    /// A service answering `echo` with what it was sent.
    static func echo(on connection: NatsConnection) -> MicroService {
        MicroService(
            connection: connection, identity: .init(name: "echo", version: "1.0.0", description: "echo"),
            endpoints: [.request("echo", subject: "echo", queueGroup: "echo") { Reply(payload: $0.payload) }],
            logger: .init(label: "test"))
    }

    @Test("the client reconnects after nats-server restarts and works again")
    func reconnects() async throws {
        let server = try await NatsServer.start()
        let responderConnection = try await server.connect(name: "responder")
        let requester = try await server.connect(name: "requester")
        let service = Self.echo(on: responderConnection)
        try await withRunningService(service) {
            #expect(try await requester.request("echo", payload: Array("before".utf8)).string == "before")

            await server.stop(abruptly: true)
            try await Task.sleep(for: .milliseconds(200))
            #expect(!requester.isConnected)
            let whileDown = await #expect(throws: NatsError.self) {
                try await requester.request("echo", timeout: .milliseconds(200))
            }
            #expect(whileDown?.code == .timeout)

            try await server.restart()
            let deadline = ContinuousClock.now + .seconds(10)
            // libnats reports the reconnect on its callback thread, a moment after the state changed.
            while !(requester.isConnected && responderConnection.isConnected && requester.reconnects >= 1)
                && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(requester.reconnects >= 1)
            // The responder's subscriptions are re-established on reconnect.
            var reply: NatsMessage?
            while reply == nil && ContinuousClock.now < deadline {
                reply = try? await requester.request("echo", payload: Array("after".utf8), timeout: .milliseconds(500))
            }
            #expect(reply?.string == "after")
        }
    }

    @Test(
        "a request awaiting its reply when the connection drops fails at once (.notConnected), not at its deadline; a request sent after the reconnect is answered"
    )
    func dropFailsWaiters() async throws {
        let server = try await NatsServer.start()
        let responderConnection = try await server.connect(name: "responder")
        let requester = try await server.connect(name: "requester")
        let silent = try responderConnection.subscribe("silent")  // receives, never answers
        try await responderConnection.flush()
        let started = ContinuousClock.now
        let waiting = Task { try await requester.request("silent", timeout: .seconds(60)) }
        var iterator = silent.makeAsyncIterator()
        _ = await iterator.next()  // the request reached the responder
        await server.stop(abruptly: true)
        let failure = await #expect(throws: NatsError.self) { _ = try await waiting.value }
        #expect(failure?.code == .notConnected)
        #expect(ContinuousClock.now - started < .seconds(30), "failed on the drop, long before its 60 s deadline")

        try await server.restart()
        let service = Self.echo(on: responderConnection)
        try await withRunningService(service) {
            var reply: NatsMessage?
            for _ in 0..<200 where reply == nil {
                reply = try? await requester.request("echo", payload: Array("after".utf8), timeout: .milliseconds(500))
            }
            #expect(reply?.string == "after")
        }
    }

    @Test("a header value with a line break is refused, not sent as two headers")
    func headerInjection() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect(name: "headers")
        let subscription = try connection.subscribe("headers.test")
        try await connection.flush()
        #expect(throws: NatsError.self) {
            try connection.publish(
                "headers.test", payload: [UInt8](), headers: ["Tenant-Id": "a\r\nPrincipal-Role: admin"])
        }
        try connection.publish("headers.test", payload: [UInt8](), headers: ["Tenant-Id": "a"])
        var iterator = subscription.makeAsyncIterator()
        let received = await iterator.next()
        #expect(received?.headers["Tenant-Id"] == "a", "only the clean message arrived")
        #expect(received?.headers["Principal-Role"] == nil)
    }

    @Test("draining delivers what was received, then closes")
    func drain() async throws {
        let server = try await NatsServer.start()
        let publisher = try await server.connect(name: "publisher")
        let connection = try await server.connect(name: "drainer")
        let subscription = try connection.subscribe("drain.test")
        try await connection.flush()
        for index in 0..<100 { try publisher.publish("drain.test", payload: Array("\(index)".utf8)) }
        try await publisher.flush()
        try await Task.sleep(for: .milliseconds(100))

        async let drained: Void = connection.drain()
        var received = 0
        for await _ in subscription { received += 1 }
        await drained
        #expect(received == 100)
        #expect(connection.state == .closed)
        let error = await #expect(throws: NatsError.self) { try await connection.request("x", timeout: .seconds(1)) }
        #expect(error?.code == .connectionClosed)
    }
}
