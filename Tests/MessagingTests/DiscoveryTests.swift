import Foundation
import Logging
import Messaging
import TestSupport
import Testing

@Suite("Services API discovery")
struct DiscoveryTests {
    @Test("$SRV.PING, INFO and STATS answer in the ADR-32 shapes")
    func discovery() async throws {
        let server = try await NatsServer.start()
        let connection = try await server.connect()
        let client = try await server.connect(name: "operator")
        let service = MicroService(
            connection: connection,
            identity: .init(name: "vault", version: "1.2.3", description: "keeps keys", metadata: ["region": "local"]),
            endpoints: [
                .request("ok", subject: "vault.ok", queueGroup: "vault") { _ in Reply() },
                .request("fail", subject: "vault.fail", queueGroup: "vault") { _ in
                    throw ServiceError.notFound("no such thing")
                },
                .stream("broken", subject: "vault.broken", queueGroup: "vault") { _, writer in
                    try writer.send(Array("first".utf8))
                    throw ServiceError(.badGateway, "upstream went away")
                },
            ],
            logger: .init(label: "test"))
        try await withRunningService(service) {
            _ = try await client.request("vault.ok")
            _ = try await client.request("vault.ok")
            _ = try? await client.request("vault.fail")
            await #expect(throws: ServiceError.self) {
                for try await _ in try await client.streamRequest("vault.broken") {}
            }

            for subject in ["$SRV.PING", "$SRV.PING.vault", "$SRV.PING.vault.\(service.id)"] {
                let ping = try json(try await client.request(subject))
                #expect(ping["type"] as? String == "io.nats.micro.v1.ping_response")
                #expect(ping["name"] as? String == "vault")
                #expect(ping["id"] as? String == service.id)
                #expect(ping["version"] as? String == "1.2.3")
                #expect((ping["metadata"] as? [String: String])?["region"] == "local")
            }

            let info = try json(try await client.request("$SRV.INFO.vault"))
            #expect(info["type"] as? String == "io.nats.micro.v1.info_response")
            #expect(info["description"] as? String == "keeps keys")
            let endpoints = try #require(info["endpoints"] as? [[String: Any]])
            #expect(endpoints.map { $0["subject"] as? String } == ["vault.ok", "vault.fail", "vault.broken"])
            #expect(endpoints.allSatisfy { $0["queue_group"] as? String == "vault" })

            let stats = try json(try await client.request("$SRV.STATS.vault.\(service.id)"))
            #expect(stats["type"] as? String == "io.nats.micro.v1.stats_response")
            #expect(stats["started"] is String)
            let counters = try #require(stats["endpoints"] as? [[String: Any]])
            #expect(counters[0]["num_requests"] as? Int == 2)
            #expect(counters[0]["num_errors"] as? Int == 0)
            #expect(counters[1]["num_requests"] as? Int == 1)
            #expect(counters[1]["num_errors"] as? Int == 1)
            #expect(counters[1]["last_error"] as? String == "404 no such thing")
            #expect(counters[2]["num_requests"] as? Int == 1, "a streamed endpoint counts its requests")
            #expect(counters[2]["num_errors"] as? Int == 1, "and its failures")
            #expect(counters[2]["last_error"] as? String == "502 upstream went away")
            #expect(counters[0]["processing_time"] is Int)
            #expect(counters[0]["average_processing_time"] is Int)

            await #expect(throws: NatsError.self) {
                try await client.request("$SRV.PING.other", timeout: .milliseconds(200))
            }
        }
    }
}

func json(_ message: NatsMessage) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any])
}
