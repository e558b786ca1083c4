import Foundation
import Logging
import Messaging
import Synchronization
import TestSupport
import Testing

@Suite("Streamed replies")
struct StreamedReplyTests {
    /// Answers `counter.count` with chunk-1 ... chunk-N (N the payload), each with its `X-Index`,
    /// then an end marker carrying `end` and `X-Status: 200`.
    static func counter(_ connection: NatsConnection) -> MicroService {
        MicroService(
            connection: connection,
            identity: .init(name: "counter", version: "1.0.0", description: "counts"),
            endpoints: [
                .stream("count", subject: "counter.count", queueGroup: "counter") { request, writer in
                    let count = Int(request.string) ?? 0
                    for index in stride(from: 1, through: count, by: 1) {
                        try writer.send(Array("chunk-\(index)".utf8), headers: ["X-Index": "\(index)"])
                    }
                    try writer.finish(Array("end".utf8), headers: ["X-Status": "200"])
                }
            ],
            logger: .init(label: "test"))
    }

    @Test("chunks arrive in order and the end marker carries the status")
    func inOrder() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let service = Self.counter(connection)
        try await withRunningService(service) {
            var received: [String] = []
            var end: NatsMessage?
            for try await message in try await connection.streamRequest("counter.count", payload: Array("500".utf8)) {
                if message.isEndOfStream { end = message } else { received.append(message.string) }
            }
            #expect(received == (1...500).map { "chunk-\($0)" })
            #expect(end?.headers["X-Status"] == "200")
            #expect(end?.headers[StreamHeader.sequence] == "501")
        }
    }

    @Test("the reply's head is the first message, its rest the others; a one-message answer has no rest")
    func headAndRest() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let service = Self.counter(connection)
        try await withRunningService(service) {
            let reply = try await connection.streamRequest("counter.count", payload: Array("3".utf8))
            #expect(reply.head.string == "chunk-1" && reply.head.headers["X-Index"] == "1")
            #expect(!reply.head.isEndOfStream)
            #expect(reply.head.headers[StreamHeader.cancel]?.hasPrefix("_INBOX.") == true)
            var rest: [String] = []
            for try await message in reply.rest { rest.append(message.string) }
            #expect(rest == ["chunk-2", "chunk-3", "end"])

            let whole = try await connection.streamRequest("counter.count", payload: Array("0".utf8))
            #expect(whole.head.isEndOfStream && whole.head.string == "end")
            // A whole answer in one message leaves nothing to cancel: the responder names no subject.
            #expect(whole.head.headers[StreamHeader.cancel] == nil)
            var after = 0
            for try await _ in whole.rest { after += 1 }
            #expect(after == 0)
        }
    }

    @Test("a handler's ServiceError ends the stream and is thrown to the requester")
    func errorEnd() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let service = MicroService(
            connection: connection,
            identity: .init(name: "failing", version: "1.0.0", description: "fails midway"),
            endpoints: [
                .stream("fail", subject: "failing.stream", queueGroup: "failing") { _, writer in
                    try writer.send(Array("first".utf8))
                    throw ServiceError(.badGateway, "upstream went away")
                }
            ],
            logger: .init(label: "test"))
        try await withRunningService(service) {
            var received: [String] = []
            let error = await #expect(throws: ServiceError.self) {
                for try await message in try await connection.streamRequest("failing.stream") {
                    received.append(message.string)
                }
            }
            #expect(received == ["first"])
            #expect(error?.code == .badGateway)
        }
    }

    @Test("the requester's cancel stops the responder")
    func cancellation() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let handlerCancelled = Mutex(false)
        let sent = Atomic<Int>(0)
        let service = MicroService(
            connection: connection,
            identity: .init(name: "endless", version: "1.0.0", description: "streams until cancelled"),
            endpoints: [
                .stream("ticks", subject: "endless.ticks", queueGroup: "endless") { _, writer in
                    do {
                        while true {
                            try writer.send(Array("tick".utf8))
                            sent.add(1, ordering: .relaxed)
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    } catch is CancellationError {
                        handlerCancelled.withLock { $0 = true }
                        throw CancellationError()
                    }
                }
            ],
            logger: .init(label: "test"))
        try await withRunningService(service) {
            var seen = 0
            for try await _ in try await connection.streamRequest("endless.ticks") {
                seen += 1
                if seen == 10 { break }
            }
            let deadline = ContinuousClock.now + .seconds(3)
            while !handlerCancelled.withLock({ $0 }) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(handlerCancelled.withLock { $0 }, "the responder's handler was cancelled")
            let afterCancel = sent.load(ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(100))
            #expect(sent.load(ordering: .relaxed) == afterCancel, "nothing is sent after the cancel")
        }
    }

    @Test("a worker whose requester cancelled makes way for a fresh one, which is not cancelled")
    func workerReplaced() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let handlerCancelled = Atomic<Int>(0)
        let service = MicroService(
            connection: connection,
            identity: .init(name: "single", version: "1.0.0", description: "one worker"),
            endpoints: [
                .stream("work", subject: "single.work", queueGroup: "single", maxConcurrency: 1) { request, writer in
                    guard request.string == "endless" else {
                        try writer.finish(Array((Task.isCancelled ? "cancelled" : "done").utf8))
                        return
                    }
                    do {
                        while true {
                            try writer.send(Array("tick".utf8))
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    } catch is CancellationError {
                        handlerCancelled.add(1, ordering: .relaxed)
                        throw CancellationError()
                    }
                }
            ],
            logger: .init(label: "test"))
        try await withRunningService(service) {
            for round in 1...3 {
                var seen = 0
                for try await _ in try await connection.streamRequest("single.work", payload: Array("endless".utf8)) {
                    seen += 1
                    if seen == 3 { break }
                }
                // Counted, not timed: until the handler saw its cancel (the test's limit ends a hang).
                while handlerCancelled.load(ordering: .relaxed) < round { try await Task.sleep(for: .milliseconds(5)) }
                // The endpoint's only worker was cancelled; the next request still gets an answer,
                // from a worker that is not cancelled.
                let next = try await connection.streamRequest(
                    "single.work", payload: Array("once".utf8), firstTimeout: .seconds(5))
                #expect(next.head.string == "done")
            }
        }
    }

    @Test(
        "a stream asked for by a task cancelled already ends at once with CancellationError, and so does one cancelled while it waits for its head",
        .timeLimit(.minutes(1)))
    func cancelledBeforeTheHead() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let service = MicroService(
            connection: connection,
            identity: .init(name: "silent", version: "1.0.0", description: "answers late"),
            endpoints: [
                .stream("late", subject: "silent.late", queueGroup: "silent") { request, writer in
                    if request.string == "late" { try await Task.sleep(for: .seconds(2)) }
                    try writer.finish(Array("done".utf8))
                }
            ],
            logger: .init(label: "test"))
        try await withRunningService(service) {
            let already = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await connection.streamRequest("silent.late", payload: Array("now".utf8))
            }
            await #expect(throws: CancellationError.self) { try await already.value }

            let waiting = Task { try await connection.streamRequest("silent.late", payload: Array("late".utf8)) }
            try await Task.sleep(for: .milliseconds(50))
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }

            // The connection still serves streams.
            let after = try await connection.streamRequest("silent.late", payload: Array("now".utf8))
            #expect(after.head.string == "done")
        }
    }

    @Test("a stream that goes quiet fails with a timeout")
    func idleTimeout() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let service = MicroService(
            connection: connection,
            identity: .init(name: "stalls", version: "1.0.0", description: "stalls"),
            endpoints: [
                .stream("stall", subject: "stalls.stream", queueGroup: "stalls") { _, writer in
                    try writer.send(Array("one".utf8))
                    try await Task.sleep(for: .seconds(30))
                }
            ],
            logger: .init(label: "test"))
        try await withRunningService(service) {
            var received = 0
            let error = await #expect(throws: NatsError.self) {
                for try await _ in try await connection.streamRequest("stalls.stream", idleTimeout: .milliseconds(300))
                {
                    received += 1
                }
            }
            #expect(received == 1)
            #expect(error?.code == .timeout)
        }
    }

    @Test(
        "heartbeats asked for: a responder slower than the silence timeout is waited for (its head announces them); one that never answers, or a stream that ends its beats, fails at the silence timeout"
    )
    func heartbeats() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let service = MicroService(
            connection: connection,
            identity: .init(name: "slow", version: "1.0.0", description: "slow"),
            endpoints: [
                .stream("slow", subject: "slow.stream", queueGroup: "slow") { _, writer in
                    // Three silences long (a silence: five beats, for a loaded machine).
                    try await Task.sleep(for: .milliseconds(1500))
                    try writer.send(Array("late".utf8))
                    try await Task.sleep(for: .milliseconds(1500))
                    try writer.finish(Array("end".utf8))
                }
            ],
            logger: .init(label: "test"))
        let silent = try connection.subscribe("silent.stream")  // takes requests, never answers
        try await withRunningService(service) {
            let reply = try await connection.streamRequest(
                "slow.stream", firstTimeout: .milliseconds(500), idleTimeout: .milliseconds(500),
                heartbeat: .milliseconds(100))
            #expect(reply.head.string == "late")
            #expect(reply.head.headers[StreamHeader.heartbeat] == "100", "the head announces the heartbeats")
            var rest: [String] = []
            for try await message in reply.rest { rest.append(message.string) }
            #expect(rest == ["end"], "heartbeats are not messages of the stream")

            let lost = await #expect(throws: NatsError.self) {
                _ = try await connection.streamRequest(
                    "silent.stream", firstTimeout: .milliseconds(500), idleTimeout: .milliseconds(500),
                    heartbeat: .milliseconds(100))
            }
            #expect(lost?.code == .timeout)
            // Without heartbeats the same slow responder is taken for a lost one.
            let unasked = await #expect(throws: NatsError.self) {
                _ = try await connection.streamRequest(
                    "slow.stream", firstTimeout: .milliseconds(500), idleTimeout: .milliseconds(500))
            }
            #expect(unasked?.code == .timeout)
        }
        try silent.unsubscribe()
    }

    @Test(
        "a heartbeat interval asked for out of range is clamped (100 ms to 60 s); one that is not a number asks for none; the answer is the same"
    )
    func heartbeatAsks() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        try await withRunningService(Self.counter(connection)) {
            let asks: [(headers: MessageHeaders, announced: String?)] = [
                ([StreamHeader.heartbeat: "5"], "100"), ([StreamHeader.heartbeat: "86400000"], "60000"),
                ([StreamHeader.heartbeat: "-1"], "100"), ([StreamHeader.heartbeat: "soon"], nil),
            ]
            for (headers, announced) in asks {
                var received: [String] = []
                let reply = try await connection.streamRequest(
                    "counter.count", payload: Array("2".utf8), headers: headers)
                #expect(reply.head.headers[StreamHeader.heartbeat] == announced, "\(headers)")
                for try await message in reply { received.append(message.string) }
                #expect(received == ["chunk-1", "chunk-2", "end"])
            }
        }
    }

    @Test("a stream to nobody fails with no responders")
    func noResponders() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let error = await #expect(throws: NatsError.self) {
            for try await _ in try await connection.streamRequest("nobody.streams") {}
        }
        #expect(error?.code == .noResponders)
    }
}
