import Foundation
import Messaging
import TestSupport
import Testing

@Suite("JetStream")
struct JetStreamTests {
    let stream = StreamConfig(name: "EVENTS", subjects: ["events.>"])

    @Test("a repeated Nats-Msg-Id is stored once")
    func dedupe() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let js = connection.jetStream
        try await js.ensureStream(stream)
        try await js.ensureStream(stream)  // idempotent

        let first = try await js.publish("events.a", payload: Array("one".utf8), messageID: "evt-1")
        let again = try await js.publish("events.a", payload: Array("one".utf8), messageID: "evt-1")
        let other = try await js.publish("events.a", payload: Array("two".utf8), messageID: "evt-2")
        #expect(!first.isDuplicate)
        #expect(again.isDuplicate)
        #expect(again.seq == first.seq)
        #expect(other.seq == first.seq + 1)

        try await js.ensureConsumer(stream: "EVENTS", ConsumerConfig(durableName: "reader"))
        let consumer = try await js.pullConsumer(stream: "EVENTS", durable: "reader", subject: "events.>")
        let messages = try await consumer.fetch(batch: 10, timeout: .milliseconds(500))
        #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == ["one", "two"])
        #expect(messages.first?.headers["Nats-Msg-Id"] == "evt-1")
        for message in messages { try message.ack() }
    }

    @Test("a nak'd message comes back after its delay; a term'd one never")
    func redeliveryAfterNak() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let js = connection.jetStream
        try await js.ensureStream(stream)
        try await js.ensureConsumer(stream: "EVENTS", ConsumerConfig(durableName: "retry", ackWait: .seconds(30)))
        try await js.publish("events.retry", payload: Array("retry-me".utf8), messageID: "r-1")
        try await js.publish("events.poison", payload: Array("poison".utf8), messageID: "p-1")
        let consumer = try await js.pullConsumer(stream: "EVENTS", durable: "retry", subject: "events.>")

        let first = try await consumer.fetch(batch: 2, timeout: .seconds(1))
        #expect(first.count == 2)
        #expect(first.allSatisfy { $0.metadata.deliveries == 1 })
        let clock = ContinuousClock()
        let nakAt = clock.now
        try first[0].nak(delay: .milliseconds(300))
        try first[1].term()

        var redelivered: [JetStreamMessage] = []
        while redelivered.isEmpty && clock.now - nakAt < .seconds(3) {
            redelivered = try await consumer.fetch(batch: 2, timeout: .milliseconds(200))
        }
        #expect(clock.now - nakAt >= .milliseconds(290), "not before the delay")
        #expect(redelivered.map { String(decoding: $0.payload, as: UTF8.self) } == ["retry-me"])
        #expect(redelivered.first?.metadata.deliveries == 2)
        #expect(redelivered.first?.metadata.streamSequence == first[0].metadata.streamSequence)
        try await redelivered[0].ackSync()
        #expect(try await consumer.fetch(batch: 2, timeout: .milliseconds(300)).isEmpty)
    }

    @Test("a durable consumer resumes where it stopped after its client restarts")
    func durableResumes() async throws {
        let server = try await NatsServer.start()
        let publisher = try await server.connect(name: "publisher")
        try await publisher.jetStream.ensureStream(stream)
        for index in 1...10 {
            try await publisher.jetStream.publish("events.n", payload: Array("\(index)".utf8), messageID: "n-\(index)")
        }
        let config = ConsumerConfig(durableName: "resumer", ackWait: .seconds(1))

        do {
            let client = try await server.connect(name: "first-run")
            try await client.jetStream.ensureConsumer(stream: "EVENTS", config)
            let consumer = try await client.jetStream.pullConsumer(
                stream: "EVENTS", durable: "resumer", subject: "events.>")
            let batch = try await consumer.fetch(batch: 6, timeout: .seconds(1))
            #expect(batch.count == 6)
            for message in batch.prefix(4) { try await message.ackSync() }
            // Messages 5 and 6 were taken but never acked: the "process" dies here.
            await client.close()
        }

        let client = try await server.connect(name: "second-run")
        try await client.jetStream.ensureConsumer(stream: "EVENTS", config)
        let consumer = try await client.jetStream.pullConsumer(
            stream: "EVENTS", durable: "resumer", subject: "events.>")
        // At least once: on a loaded machine an ack can come after the 1 s ack wait and the message
        // again; what matters is that 5 to 10 all come and 1 to 4 (acked) never do.
        var seen: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(15)
        while seen.count < 6 && ContinuousClock.now < deadline {
            for message in try await consumer.fetch(batch: 10, timeout: .milliseconds(500)) {
                seen.insert(String(decoding: message.payload, as: UTF8.self))
                try await message.ackSync()
            }
        }
        #expect(seen == ["5", "6", "7", "8", "9", "10"])
    }

    @Test("a batch of publishes: each one's ack in order, one that fails leaves the others stored")
    func batch() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let js = connection.jetStream
        try await js.ensureStream(stream)
        let acks = await js.publish(
            [
                .init(subject: "events.a", payload: Array("one".utf8), messageID: "b-1"),
                .init(subject: "nowhere.at.all", payload: Array("lost".utf8), messageID: "b-2"),
                .init(subject: "events.b", payload: Array("two".utf8), messageID: "b-3"),
                .init(subject: "events.a", payload: Array("one again".utf8), messageID: "b-1"),
            ], timeout: .seconds(5))
        #expect(acks.count == 4)
        let first = try acks[0].get()
        if case .failure(let error) = acks[1] {
            #expect((error as? NatsError)?.code == .noResponders)
        } else {
            Issue.record("a publish no stream captures was acked")
        }
        let third = try acks[2].get()
        let repeated = try acks[3].get()
        #expect(!first.isDuplicate && third.seq == first.seq + 1)
        #expect(repeated.isDuplicate && repeated.seq == first.seq)
        #expect(await js.publish([], timeout: .seconds(1)).isEmpty)

        try await js.ensureConsumer(stream: "EVENTS", ConsumerConfig(durableName: "batch-reader"))
        let consumer = try await js.pullConsumer(stream: "EVENTS", durable: "batch-reader", subject: "events.>")
        let messages = try await consumer.fetch(batch: 10, timeout: .milliseconds(500))
        #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == ["one", "two"])
        for message in messages { try message.ack() }
    }

    @Test("publishing to a subject no stream captures fails with no responders")
    func publishWithoutStream() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let error = await #expect(throws: NatsError.self) {
            try await connection.jetStream.publish("nowhere.at.all", payload: [UInt8](), messageID: "x")
        }
        #expect(error?.code == .noResponders)
    }
}
