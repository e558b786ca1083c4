import Contracts
import Foundation
import Messaging
import Synchronization
import TestSupport
import Testing

@Suite("Master key rotation")
struct RotationTests {
    static let keyV1 = String(repeating: "1a", count: 32)
    static let keyV2 = String(repeating: "2b", count: 32)
    static let version2: [String: String] = [
        "CRED_ENCRYPT_KEY": keyV2, "CRED_ENCRYPT_KEY_VERSION": "2", "CRED_ENCRYPT_KEYS_PREVIOUS": "1:\(keyV1)",
        "VAULT_REWRAP_POLL_MS": "50", "VAULT_REWRAP_BATCH": "7",
    ]

    @Test("v1 → v2 while resolves run: every credential ends on v2, no resolve fails")
    func rotationUnderLoad() async throws {
        try await TestGateway.run { gateway in
            let old = try await gateway.launch("vault", overrides: ["CRED_ENCRYPT_KEY": Self.keyV1])
            var stored: [(tenant: String, service: String, key: String)] = []
            for index in 0..<3 {
                let tenant = try await gateway.createTenant("Tenant \(index)")
                for service in [
                    "openai", "anthropic", "groq", "mistral", "cohere", "together", "deepseek", "openrouter",
                ] {
                    let key = "sk-\(service)-\(index)-\(UUID().uuidString.prefix(8))"
                    let response = try await gateway.http.post(
                        "/credentials", json: ["service": service, "key": key], headers: ["x-api-key": tenant.key])
                    #expect(response.status == 201)
                    stored.append((tenant.id, service, key))
                }
            }
            let expected = stored
            // Roll the vault: two instances with key version 2 start, then the old one stops.
            let new = [
                try await gateway.launch("vault", overrides: Self.version2, instances: 2),
                try await gateway.launch("vault", overrides: Self.version2, instances: 3),
            ]
            #expect(await old.stop() == 0)

            let proxy = try await gateway.cluster.connect(as: "proxy")
            let load = Load()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var index = worker
                        while !load.stopped {
                            let credential = expected[index % expected.count]
                            index += 8
                            do {
                                let released = try await resolve(
                                    proxy, tenant: credential.tenant, service: credential.service)
                                if released.key == credential.key { load.succeeded() } else { load.failed("wrong key") }
                            } catch {
                                load.failed("\(error)")
                            }
                        }
                    }
                }
                let started = try await gateway.http.post("/admin/vault/rotate", headers: gateway.adminHeaders)
                #expect(started.status == 202)
                #expect(started.json["currentVersion"] as? Int == 2)
                let deadline = ContinuousClock.now + .seconds(30)
                var status: [String: Any] = [:]
                repeat {
                    try await Task.sleep(for: .milliseconds(100))
                    status = try await gateway.http.get("/admin/vault/status", headers: gateway.adminHeaders).json
                } while (status["rewrap"] as? [String: Any])?["state"] as? String != "done"
                    && ContinuousClock.now < deadline
                load.stop()
                try await group.waitForAll()

                let rewrap = try #require(status["rewrap"] as? [String: Any])
                #expect(rewrap["state"] as? String == "done")
                #expect(rewrap["done"] as? Int == expected.count)
                #expect(rewrap["total"] as? Int == expected.count)
                let versions = try #require(status["versions"] as? [[String: Any]])
                let counts = Dictionary(
                    uniqueKeysWithValues: versions.map { ($0["version"] as! Int, $0["credentials"] as! Int) })
                #expect(counts[2] == expected.count)
                #expect(counts[1, default: 0] == 0, "the old key protects nothing and can be retired")
            }
            #expect(load.failures == [])
            #expect(load.successes > expected.count)

            // Once retired, the old key is not needed: a vault with version 2 alone serves everything.
            for process in new { #expect(await process.stop() == 0) }
            let retired = try await gateway.launch(
                "vault", overrides: ["CRED_ENCRYPT_KEY": Self.keyV2, "CRED_ENCRYPT_KEY_VERSION": "2"])
            for credential in expected {
                #expect(
                    try await resolve(proxy, tenant: credential.tenant, service: credential.service).key
                        == credential.key)
            }
            await retired.stop()
        }
    }

    @Test("concurrent writes, releases, rotations and rewraps on two instances: no failure, nothing stale")
    func concurrency() async throws {
        try await TestGateway.run { gateway in
            let old = try await gateway.launch("vault", overrides: ["CRED_ENCRYPT_KEY": Self.keyV1])
            let tenants = [try await gateway.createTenant("A"), try await gateway.createTenant("B")]
            let services = ["openai", "anthropic", "groq", "mistral"]
            let written = Written()
            for tenant in tenants {
                for service in services {
                    let key = "sk-initial-\(service)-\(UUID().uuidString.prefix(6))"
                    written.withLock { $0["\(tenant.id)/\(service)"] = [key] }
                    _ = try await gateway.http.post(
                        "/credentials", json: ["service": service, "key": key], headers: ["x-api-key": tenant.key])
                }
            }
            let instances = [
                try await gateway.launch("vault", overrides: Self.version2, instances: 2),
                try await gateway.launch("vault", overrides: Self.version2, instances: 3),
            ]
            #expect(await old.stop() == 0)
            let proxy = try await gateway.cluster.connect(as: "proxy")
            let load = Load()

            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<3 {
                    group.addTask {
                        var round = 0
                        while !load.stopped {
                            let tenant = tenants[(writer + round) % tenants.count]
                            let service = services[round % services.count]
                            let key = "sk-w\(writer)-r\(round)-\(UUID().uuidString.prefix(6))"
                            written.withLock { $0["\(tenant.id)/\(service)", default: []].append(key) }
                            let response = try await gateway.http.post(
                                "/credentials", json: ["service": service, "key": key],
                                headers: ["x-api-key": tenant.key])
                            if response.status == 201 {
                                load.succeeded()
                            } else {
                                load.failed("write \(response.status)")
                            }
                            round += 1
                        }
                    }
                }
                for reader in 0..<6 {
                    group.addTask {
                        var round = reader
                        while !load.stopped {
                            let tenant = tenants[round % tenants.count]
                            let service = services[(round / 2) % services.count]
                            round += 1
                            do {
                                let released = try await resolve(proxy, tenant: tenant.id, service: service)
                                let known = written.withLock { $0["\(tenant.id)/\(service)"] ?? [] }
                                if known.contains(released.key) { load.succeeded() } else { load.failed("unknown key") }
                            } catch {
                                load.failed("resolve: \(error)")
                            }
                        }
                    }
                }
                group.addTask {
                    while !load.stopped {
                        let response = try await gateway.http.post("/admin/vault/rotate", headers: gateway.adminHeaders)
                        if response.status == 202 { load.succeeded() } else { load.failed("rotate \(response.status)") }
                        try await Task.sleep(for: .milliseconds(150))
                    }
                }
                // Counted, not timed: the load runs until it has done 150 things (about 3 s here;
                // longer on a loaded machine).
                let deadline = ContinuousClock.now + .seconds(60)
                while load.successes < 150 && load.failures.isEmpty && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                load.stop()
                try await group.waitForAll()
            }
            #expect(load.failures == [])
            #expect(load.successes >= 150)

            // Quiet again: a last rotation finishes, and every credential releases its last key.
            _ = try await gateway.http.post("/admin/vault/rotate", headers: gateway.adminHeaders)
            let deadline = ContinuousClock.now + .seconds(20)
            var state = ""
            while state != "done" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                let status = try await gateway.http.get("/admin/vault/status", headers: gateway.adminHeaders).json
                state = (status["rewrap"] as? [String: Any])?["state"] as? String ?? ""
            }
            #expect(state == "done")
            // Concurrent writes commit in no knowable order, so end with one known write each: every
            // instance must serve it within moments (caches are dropped by the change event).
            for tenant in tenants {
                for service in services {
                    let final = "sk-final-\(service)-\(UUID().uuidString.prefix(6))"
                    let stored = try await gateway.http.post(
                        "/credentials", json: ["service": service, "key": final], headers: ["x-api-key": tenant.key])
                    #expect(stored.status == 201)
                    let deadline = ContinuousClock.now + .seconds(5)
                    var released = try await resolve(proxy, tenant: tenant.id, service: service)
                    while released.key != final && ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(20))
                        released = try await resolve(proxy, tenant: tenant.id, service: service)
                    }
                    #expect(released.key == final, "\(service) of \(tenant.slug)")
                    #expect(released.keyVersion == 2)
                }
            }
            for process in instances { await process.stop() }
        }
    }
}

/// Every key ever written per "tenant/service".
final class Written: Sendable {
    private let keys = Mutex<[String: [String]]>([:])

    func withLock<T>(_ body: (inout [String: [String]]) -> T) -> T {
        keys.withLock { body(&$0) }
    }
}

/// Counts the outcomes of a load loop.
final class Load: Sendable {
    private let state = Mutex<(successes: Int, failures: [String], stopped: Bool)>((0, [], false))

    var stopped: Bool { state.withLock { $0.stopped } }
    var successes: Int { state.withLock { $0.successes } }
    var failures: [String] { state.withLock { $0.failures } }

    func succeeded() { state.withLock { $0.successes += 1 } }
    func failed(_ reason: String) { state.withLock { $0.failures.append(reason) } }
    func stop() { state.withLock { $0.stopped = true } }
}
