import Contracts
import Foundation
import Messaging
import TestSupport
import Testing

/// The NATS permissions of deploy/nats/auth.conf, tried as each service's user would try them if
/// it were compromised (docs/messaging.md, "Inboxes and permissions").
@Suite("NATS permissions")
struct NatsPermissionsTests {
    @Test("replies are private: no user but the proxy can read a release, and the release still works")
    func privateInboxes() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch("vault")
            let tenant = try await gateway.createTenant()
            let stored = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": "sk-overheard-secret"],
                headers: ["x-api-key": tenant.key])
            #expect(stored.status == 201, "\(stored.text)")

            var spies: [Subscription] = []
            var connections: [NatsConnection] = []  // a dropped connection closes
            for user in ["gateway", "content", "usage"] {
                let connection = try await gateway.cluster.connect(as: user)
                connections.append(connection)
                for subject in ["_INBOX.>", "_INBOX.proxy.>"] {
                    spies.append(try connection.subscribe(subject))
                    #expect(
                        try await connection.reportsError(
                            containing: "Permissions Violation for Subscription to \"\(subject)\""),
                        "\(user) may not subscribe to \(subject)")
                }
                // Its own inbox is allowed.
                _ = try connection.subscribe(connection.newInbox())
                try await connection.flush()
                #expect(!(connection.lastAsyncError ?? "").contains(connection.inboxPrefix))
            }

            let proxy = try await gateway.cluster.connect(as: "proxy")
            let released = try await resolve(proxy, tenant: tenant.id, service: "openai")
            #expect(released.key == "sk-overheard-secret")
            try await Task.sleep(for: .milliseconds(200))
            for spy in spies {
                try spy.unsubscribe()
                var overheard = 0
                for await _ in spy { overheard += 1 }
                #expect(overheard == 0, "a refused subscription receives nothing")
            }
            #expect(connections.allSatisfy { $0.isConnected })
            await vault.stop()
        }
    }

    @Test("no user can answer a request it did not receive; the stream grants reach only their channel")
    func noForgedReplies() async throws {
        try await TestGateway.run { gateway in
            let gatewayUser = try await gateway.cluster.connect(as: "gateway")
            let replyTo = gatewayUser.newInbox() + ".1"
            let streamTo = gatewayUser.newInbox() + ".s.1"
            for user in ["content", "usage"] {
                #expect(try await gateway.publishIsRefused(as: user, replyTo), "\(user) may not answer for the vault")
            }
            // The vault and the proxy answer through grants on their requesters' inboxes (each hears
            // its own events, so allow_responses would let it publish anywhere once); the random
            // tokens of reply subjects keep them to the requests they were sent
            // (ReplyInboxChannelTests).
            for user in ["vault", "proxy"] {
                #expect(!(try await gateway.publishIsRefused(as: user, replyTo, looks: 50)))
                #expect(!(try await gateway.publishIsRefused(as: user, streamTo, looks: 50)))
            }
            #expect(try await gateway.publishIsRefused(as: "vault", "usage.events.forged"))
            #expect(try await gateway.publishIsRefused(as: "content", streamTo))
            // Only the proxy announces route changes and target cooldowns.
            for user in ["gateway", "vault", "content", "usage"] {
                #expect(try await gateway.publishIsRefused(as: user, "proxy.events.cooldowns.forged"))
            }

            // Only the gateway may cancel the proxy's streams, and it may not answer for the vault.
            let proxyInbox = try await gateway.cluster.connect(as: "proxy").newInbox()
            #expect(!(try await gateway.publishIsRefused(as: "gateway", proxyInbox + ".c.1", looks: 50)))
            #expect(try await gateway.publishIsRefused(as: "gateway", proxyInbox + ".1"))
        }
    }
}

@Suite("NATS permissions: streams and events")
struct StreamPermissionsTests {
    @Test("a service may create its streams, never update or purge them; each writes only its own events")
    func streams() async throws {
        try await TestGateway.run { gateway in
            let operator_ = try await gateway.cluster.connect(as: "operator")
            for config in [UsageStream.config, Subjects.mailStream, ContactEvents.stream] {
                try await operator_.jetStream.ensureStream(config)
            }
            // Shrinking a stream's retention would lose billing data or the audit trail.
            let refusals: [(user: String, subject: String)] = [
                ("proxy", "$JS.API.STREAM.UPDATE.USAGE"), ("usage", "$JS.API.STREAM.UPDATE.USAGE"),
                ("usage", "$JS.API.STREAM.PURGE.USAGE"), ("usage", "$JS.API.STREAM.DELETE.USAGE"),
                ("vault", "$JS.API.STREAM.UPDATE.AUDIT"), ("vault", "$JS.API.STREAM.PURGE.AUDIT"),
                ("content", "$JS.API.STREAM.UPDATE.MAIL"), ("content", "$JS.API.STREAM.PURGE.CONTACT"),
                ("gateway", "$JS.API.STREAM.UPDATE.MAIL"), ("gateway", "$JS.API.STREAM.PURGE.AUDIT"),
                // Each service publishes only its own events.
                ("content", "mail.events.password-reset.\(UUID().uuidString.lowercased())"),
                ("gateway", "mail.events.mailing-list-confirm.\(UUID().uuidString.lowercased())"),
                ("vault", "audit.gateway.forged"), ("proxy", "audit.vault.credentials-released"),
                // Only the ledger asks instances to hand back their slices of allowance.
                ("gateway", LimitSubjects.reclaim), ("proxy", LimitSubjects.reclaim),
            ]
            for (user, subject) in refusals {
                #expect(try await gateway.publishIsRefused(as: user, subject), "\(user) may not publish \(subject)")
            }
            // What they need still works: the usage service creates USAGE, the gateway purges a tenant.
            let usage = try await gateway.cluster.connect(as: "usage")
            #expect(try await usage.jetStream.ensureStream(UsageStream.config) == .current)
            let gatewayUser = try await gateway.cluster.connect(as: "gateway")
            #expect(try await gatewayUser.jetStream.purge(stream: "USAGE", subject: "usage.events.\(UUID())") == 0)
        }
    }
}

extension TestGateway {
    /// Whether the server refuses `user` a publish to `subject`: it reports a permissions violation
    /// within `looks` looks 10 ms apart (after the publish's flush). Where none is expected, fewer
    /// looks keep the test short.
    func publishIsRefused(as user: String, _ subject: String, looks: Int = 500) async throws -> Bool {
        let connection = try await cluster.connect(as: user)
        try connection.publish(subject, payload: Array("{}".utf8))
        return try await connection.reportsError(
            containing: "Permissions Violation for Publish to \"\(subject)\"", looks: looks)
    }
}
