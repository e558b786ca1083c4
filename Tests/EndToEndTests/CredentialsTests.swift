import Contracts
import Foundation
import Messaging
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@Suite("Credentials in the vault")
struct CredentialsTests {
    static let keyA = String(repeating: "a1", count: 32)
    static let keyB = String(repeating: "b2", count: 32)

    @Test("the REST lifecycle: create, list, get, replace, update, delete; never the key")
    func lifecycle() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch("vault")
            let tenant = try await gateway.createTenant()
            let admin = ["x-api-key": tenant.key]
            let secret = "sk-proj-ABCDEFGHIJKLMNOP0123456789"
            let created = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": secret, "metadata": ["organization": "org-42"]],
                headers: admin)
            #expect(created.status == 201, "\(created.text) \(gateway.logs.text.suffix(3000))")
            #expect(created.json["keyPreview"] as? String == "sk-...6789")
            #expect(created.json["keyVersion"] as? Int == 1)
            #expect(created.json["name"] as? String == "default")
            #expect(
                (created.json["meta"] as? [String: Any])?["organization"] as? String == "org-42", "metadata is meta")
            let id = try #require(created.json["id"] as? String)

            let second = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": "sk-second-key-000000", "name": "batch"],
                headers: admin)
            #expect(second.status == 201)
            let list = try await gateway.http.get("/credentials", headers: admin)
            #expect(list.jsonArray.map { $0["name"] as? String } == ["default", "batch"])
            #expect(try await gateway.http.get("/credentials?service=anthropic", headers: admin).isEmptyPage)

            let replaced = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": "sk-replaced-key-111111"], headers: admin)
            #expect(replaced.json["id"] as? String == id, "posting the same service and name replaces the key")
            #expect(replaced.json["keyPreview"] as? String == "sk-...1111")

            let patched = try await gateway.http.patch(
                "/credentials/\(id)", json: ["meta": ["organization": "org-43"]], headers: admin)
            #expect(patched.status == 200)
            #expect(patched.json["keyPreview"] as? String == "sk-...1111", "meta alone leaves the key")

            // Where the key goes, and what goes with it, changes only with the key sent again.
            for meta: [String: Any] in [
                ["baseUrl": "https://api.openai.com/v1"], ["organization": "org-43", "headers": ["X-Trace": "on"]],
            ] {
                let moved = try await gateway.http.patch("/credentials/\(id)", json: ["meta": meta], headers: admin)
                #expect(moved.status == 422, "\(meta): \(moved.text)")
                #expect((moved.json["detail"] as? String)?.hasPrefix("`key` is required") == true, "\(moved.text)")
            }
            let repointed = try await gateway.http.patch(
                "/credentials/\(id)",
                json: [
                    "key": "sk-replaced-key-111111",
                    "meta": [
                        "baseUrl": "https://api.openai.com/v1", "headers": ["X-Partner-Token": "ptk-secret-98765"],
                    ],
                ], headers: admin)
            #expect(repointed.status == 200, "\(repointed.text)")
            let fetched = try await gateway.http.get("/credentials/\(id)", headers: admin)
            let fetchedMeta = try #require(fetched.json["meta"] as? [String: Any])
            #expect(fetchedMeta["baseUrl"] as? String == "https://api.openai.com/v1")
            #expect(
                (fetchedMeta["headers"] as? [String: Any])?["X-Partner-Token"] as? String == "ptk...8765",
                "header values are masked like the key")
            let listed = try await gateway.http.get("/credentials", headers: admin)
            for text in [repointed.text, fetched.text, listed.text] {
                #expect(!text.contains("ptk-secret-98765"))
            }
            // The meta as read, sent back with a change elsewhere: the masked value stands for the stored one.
            var roundTrip = fetchedMeta
            roundTrip["organization"] = "org-44"
            let resent = try await gateway.http.patch("/credentials/\(id)", json: ["meta": roundTrip], headers: admin)
            #expect(resent.status == 200, "no key needed: nothing about where the key goes changed: \(resent.text)")
            let proxy = try await gateway.cluster.connect(as: "proxy")
            let released = try await resolve(proxy, tenant: tenant.id, service: "openai")
            #expect(released.meta["headers"]?.objectValue?["X-Partner-Token"]?.stringValue == "ptk-secret-98765")

            let readonly = try await gateway.createKey("readonly", adminKey: tenant.key)
            for path in ["/credentials", "/credentials/\(id)"] {
                let refused = try await gateway.http.get(path, headers: ["x-api-key": readonly.key])
                #expect(refused.status == 403, "credentials are for admins: \(refused.text)")
            }
            #expect(
                try await gateway.http.post(
                    "/credentials", json: ["service": "groq", "key": "gsk_xxxxxxxxxxxx"],
                    headers: ["x-api-key": readonly.key]
                ).status == 403)

            #expect(try await gateway.http.delete("/credentials/\(id)", headers: admin).status == 204)
            #expect(try await gateway.http.get("/credentials/\(id)", headers: admin).status == 404)
            #expect(try await gateway.http.delete("/credentials/\(id)", headers: admin).status == 404)
            #expect(!(list.text + created.text + replaced.text + patched.text).contains(secret))
            await vault.stop()
        }
    }

    @Test("bad input: 400 naming the field; a base URL outside the allow-list: 422")
    func validation() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch(
                "vault", overrides: ["PROXY_ALLOWED_BASE_URLS": "https://llm.internal:8443/v1,http://127.0.0.1:11434"])
            let tenant = try await gateway.createTenant()
            let admin = ["x-api-key": tenant.key]
            let cases: [([String: Any], Int, String)] = [
                (["service": "skynet", "key": "k-123456789"], 400, "`service`"),
                (["service": "openai", "key": "short"], 400, "`key`"),
                (["service": "openai"], 400, "missing field `key`"),
                (["service": "openai", "key": "sk-123456789", "colour": "blue"], 400, "unknown field `colour`"),
                (["service": "openai", "key": "sk-123456789", "meta": ["baseURL": "x"]], 400, "`meta.baseURL`"),
                (["service": "openai", "key": "sk-123456789", "meta": ["headers": ["X-A": 1]]], 400, "`meta.headers`"),
                (["service": "openai", "key": "sk-123456789", "name": "bad name!"], 400, "`name`"),
                (
                    ["service": "openai", "key": "sk-123456789", "meta": ["baseUrl": "http://169.254.169.254/latest"]],
                    422, "baseUrl"
                ),
                (
                    ["service": "openai", "key": "sk-123456789", "meta": ["baseUrl": "https://llm.internal:8443/v10"]],
                    422, "baseUrl"
                ),
                (["service": "azure-openai", "key": "az-123456789"], 422, "required"),
                // ollama runs on a host of your own: no default address (it used to be the proxy's loopback).
                (["service": "ollama", "key": ""], 422, "`meta.baseUrl` is required"),
                (
                    ["service": "ollama", "key": "", "meta": ["baseUrl": "http://127.0.0.1:11435"]], 422,
                    "not in PROXY_ALLOWED_BASE_URLS"
                ),
                (
                    [
                        "service": "openai", "key": "sk-123456789",
                        "meta": ["baseUrl": "https://llm.internal:8443/v1/../admin"],
                    ],
                    422, "segments"
                ),
                (
                    [
                        "service": "openai", "key": "sk-123456789",
                        "meta": ["baseUrl": "https://llm.internal:8443/v1/%2E%2E/admin"],
                    ],
                    422, "percent-encoded"
                ),
            ]
            for (body, status, detail) in cases {
                let response = try await gateway.http.post("/credentials", json: body, headers: admin)
                #expect(response.status == status, "\(body): \(response.text)")
                #expect((response.json["detail"] as? String)?.contains(detail) == true, "\(body): \(response.text)")
            }
            for body: [String: Any] in [
                ["service": "openai", "key": "sk-123456789", "meta": ["baseUrl": "https://llm.internal:8443/v1/chat"]],
                [
                    "service": "azure-openai", "key": "az-123456789",
                    "meta": ["baseUrl": "https://acme.openai.azure.com/openai"],
                ],
                ["service": "ollama", "key": "", "meta": ["baseUrl": "http://127.0.0.1:11434"]],
            ] {
                #expect(
                    try await gateway.http.post("/credentials", json: body, headers: admin).status == 201, "\(body)")
            }
            await vault.stop()
        }
    }

    @Test("tenant B gets 404 for tenant A's credential")
    func isolation() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch("vault")
            let a = try await gateway.createTenant("A")
            let b = try await gateway.createTenant("B")
            let created = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": "sk-tenant-a-secret"], headers: ["x-api-key": a.key])
            let id = try #require(created.json["id"] as? String)
            let asB = ["x-api-key": b.key]
            #expect(try await gateway.http.get("/credentials/\(id)", headers: asB).status == 404)
            #expect(
                try await gateway.http.patch("/credentials/\(id)", json: ["key": "sk-hijacked-0000"], headers: asB)
                    .status == 404)
            #expect(try await gateway.http.delete("/credentials/\(id)", headers: asB).status == 404)
            #expect(try await gateway.http.get("/credentials", headers: asB).isEmptyPage)
            let proxy = try await gateway.cluster.connect(as: "proxy")
            await #expect(throws: ServiceError.self) { try await resolve(proxy, tenant: b.id, service: "openai") }
            #expect(try await resolve(proxy, tenant: a.id, service: "openai").key == "sk-tenant-a-secret")
            await vault.stop()
        }
    }

    @Test("release: only the proxy's NATS user; each release audited, never with the key")
    func release() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch("vault")
            let tenant = try await gateway.createTenant()
            _ = try await gateway.http.post(
                "/credentials", json: ["service": "anthropic", "key": "sk-ant-released-secret", "name": "main"],
                headers: ["x-api-key": tenant.key])
            let proxy = try await gateway.cluster.connect(as: "proxy")
            let released = try await resolve(
                proxy, tenant: tenant.id, service: "anthropic", name: "main", requestID: "req-77")
            #expect(released.key == "sk-ant-released-secret")
            #expect(released.keyVersion == 1)
            let missing = await #expect(throws: ServiceError.self) {
                try await resolve(proxy, tenant: tenant.id, service: "openai")
            }
            #expect(missing?.code == .notFound)

            let gatewayUser = try await gateway.cluster.connect(as: "gateway")
            let refused = await #expect(throws: NatsError.self) {
                try await resolve(gatewayUser, tenant: tenant.id, service: "anthropic", timeout: .milliseconds(500))
            }
            #expect(refused?.code == .timeout)
            #expect(gatewayUser.lastAsyncError?.contains("Permissions Violation") == true)

            let auditor = try await gateway.cluster.connect(as: "operator")
            try await auditor.jetStream.ensureConsumer(stream: "AUDIT", ConsumerConfig(durableName: "auditor"))
            let consumer = try await auditor.jetStream.pullConsumer(
                stream: "AUDIT", durable: "auditor", subject: "audit.>")
            let records = try await consumer.fetch(batch: 10, timeout: .seconds(2))
            #expect(records.count == 1, "one release, one record")
            let record = try #require(records.first)
            let text = String(decoding: record.payload, as: UTF8.self)
            #expect(!text.contains("sk-ant-released-secret"))
            let batch = try JSONDecoder.iso.decode(CredentialReleaseBatch.self, from: Data(record.payload))
            #expect(batch.records.count == 1)
            let event = try #require(batch.records.first)
            #expect(event.tenantId.uuidString.lowercased() == tenant.id.lowercased())
            #expect(event.credentialId == released.id)
            #expect(event.requestId == "req-77")
            #expect(event.caller.hasPrefix("proxy"))
            #expect(event.keyVersion == 1)
            await vault.stop()
        }
    }

    @Test("release needs the gateway's ticket for that tenant, call and credential, unexpired and signed")
    func releaseTickets() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch("vault")
            let a = try await gateway.createTenant("A")
            let b = try await gateway.createTenant("B")
            for (tenant, key) in [(a, "sk-tenant-a-ticketed"), (b, "sk-tenant-b-ticketed")] {
                let stored = try await gateway.http.post(
                    "/credentials", json: ["service": "openai", "key": key], headers: ["x-api-key": tenant.key])
                #expect(stored.status == 201, "\(stored.text)")
            }
            let proxy = try await gateway.cluster.connect(as: "proxy")
            let refusals: [(String, String?)] = [
                ("no release ticket", nil),
                ("the release ticket is for another tenant", releaseTicket(tenant: a.id)),
                ("the release ticket is for another request", releaseTicket(tenant: b.id, requestID: "other")),
                ("the release ticket is for another credential", releaseTicket(tenant: b.id, service: "anthropic")),
                (
                    "the release ticket is for another credential",
                    releaseTicket(tenant: b.id, service: "openai", credential: "backup")
                ),
                ("the release ticket has expired", releaseTicket(tenant: b.id, expires: Date() - 5)),
                (
                    "the release ticket is not signed with RELEASE_TICKET_SECRET",
                    releaseTicket(tenant: b.id, secret: "someone-else-0123456789abcdef0123456789")
                ),
                ("the release ticket is malformed", "not-a-ticket"),
            ]
            for (reason, ticket) in refusals {
                let refused = await #expect(throws: ServiceError.self, "\(reason)") {
                    try await resolve(proxy, tenant: b.id, service: "openai", ticket: .some(ticket))
                }
                #expect(refused?.code == .forbidden)
                #expect(refused?.message == "release refused: \(reason)")
            }
            // A forged ticket: tenant A's signed ticket with tenant B written into it.
            let signed = releaseTicket(tenant: a.id).split(separator: ".")
            let forgedPayload = String(decoding: Data(base64URLEncoded: signed[1])!, as: UTF8.self)
                .replacingOccurrences(of: a.id.lowercased(), with: b.id.lowercased())
            let forged = "v1.\(Data(forgedPayload.utf8).base64URLEncodedString).\(signed[2])"
            let tampered = await #expect(throws: ServiceError.self) {
                try await resolve(proxy, tenant: b.id, service: "openai", ticket: .some(forged))
            }
            #expect(tampered?.message == "release refused: the release ticket is not signed with RELEASE_TICKET_SECRET")

            #expect(try await resolve(proxy, tenant: b.id, service: "openai").key == "sk-tenant-b-ticketed")
            let scoped = releaseTicket(tenant: b.id, service: "openai", credential: "default")
            #expect(
                try await resolve(proxy, tenant: b.id, service: "openai", ticket: .some(scoped)).key
                    == "sk-tenant-b-ticketed")
            await vault.stop()
        }
    }

    @Test("a tampered or moved ciphertext fails to decrypt with a clear error; the vault keeps running")
    func tampering() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch("vault")
            let a = try await gateway.createTenant("A")
            let b = try await gateway.createTenant("B")
            let first = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": "sk-first-secret-1"], headers: ["x-api-key": a.key])
            let other = try await gateway.http.post(
                "/credentials", json: ["service": "groq", "key": "gsk-other-secret-2"], headers: ["x-api-key": a.key])
            let bRow = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": "sk-tenant-b-secret"], headers: ["x-api-key": b.key])
            let firstID = try #require(first.json["id"] as? String, "\(first.text)")
            let otherID = try #require(other.json["id"] as? String)
            let bID = try #require(bRow.json["id"] as? String)

            try await gateway.database.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE vault.credentials SET ciphertext = set_byte(ciphertext, 20, get_byte(ciphertext, 20) # 1)
                        WHERE id = '\(firstID)'
                        """))
            try await gateway.database.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE vault.credentials SET ciphertext = (SELECT ciphertext FROM vault.credentials WHERE id = '\(otherID)')
                        WHERE id = '\(bID)'
                        """))
            let proxy = try await gateway.cluster.connect(as: "proxy")
            for (tenant, service) in [(a.id, "openai"), (b.id, "openai")] {
                let error = await #expect(throws: ServiceError.self) {
                    try await resolve(proxy, tenant: tenant, service: service)
                }
                #expect(error?.code == .internalError)
                #expect(error?.message.contains("cannot be decrypted") == true, "\(String(describing: error))")
            }
            #expect(
                try await resolve(proxy, tenant: a.id, service: "groq").key == "gsk-other-secret-2", "others unaffected"
            )
            #expect(vault.isRunning)
            await vault.stop()
        }
    }

    @Test("a key version stored credentials still use, missing from the configuration, stops the vault at boot")
    func missingKeyVersion() async throws {
        try await TestGateway.run { gateway in
            let first = try await gateway.launch("vault", overrides: ["CRED_ENCRYPT_KEY": Self.keyA])
            let tenant = try await gateway.createTenant()
            let stored = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": "sk-version-one-key"],
                headers: ["x-api-key": tenant.key])
            #expect(stored.json["keyVersion"] as? Int == 1)
            #expect(await first.stop() == 0)
            // Version 2 configured, version 1 forgotten: every release of that credential would fail.
            let missing = try gateway.cluster.launch(
                "vault", overrides: ["CRED_ENCRYPT_KEY": Self.keyB, "CRED_ENCRYPT_KEY_VERSION": "2"])
            #expect(await missing.waitForExit(timeout: .seconds(20)) == 78)
            #expect(
                missing.output.contains(
                    "vault: configuration error: CRED_ENCRYPT_KEYS_PREVIOUS lacks master key version 1, which 1 stored credential(s) still use"
                ), "\(missing.output)")
            #expect(!missing.output.contains(Self.keyA) && !missing.output.contains(Self.keyB))
            // With it given, the vault starts.
            _ = try await gateway.launch(
                "vault",
                overrides: [
                    "CRED_ENCRYPT_KEY": Self.keyB, "CRED_ENCRYPT_KEY_VERSION": "2",
                    "CRED_ENCRYPT_KEYS_PREVIOUS": "1:\(Self.keyA)",
                ])
        }
    }

    @Test("a wrong master key at boot stops the vault at once, naming the variable")
    func wrongMasterKey() async throws {
        try await TestGateway.run { gateway in
            let first = try await gateway.launch("vault", overrides: ["CRED_ENCRYPT_KEY": Self.keyA])
            let status = await first.stop()
            #expect(status == 0, "\(first.output)")
            let wrong = try gateway.cluster.launch("vault", overrides: ["CRED_ENCRYPT_KEY": Self.keyB])
            #expect(await wrong.waitForExit(timeout: .seconds(20)) == 78)
            #expect(
                wrong.output.contains(
                    "vault: configuration error: CRED_ENCRYPT_KEY holds a different key for version 1 than the one that encrypted the stored credentials"
                ), "\(wrong.output)")
            #expect(!wrong.output.contains(Self.keyB) && !wrong.output.contains(Self.keyA))
        }
    }
}

/// Asks the vault for a plaintext key, as the proxy does, with a release ticket as the gateway
/// signs it (`ticket`: the one to send instead; nil sends none).
func resolve(
    _ connection: NatsConnection, tenant: String, service: String, name: String? = nil, requestID: String = "test",
    ticket: String?? = .none, timeout: Duration = .seconds(5)
) async throws -> ReleasedCredential {
    var headers = Routing(requestID: requestID, tenant: UUID(uuidString: tenant)).headers
    headers[ReleaseTicket.header] = ticket ?? releaseTicket(tenant: tenant, requestID: requestID)
    let reply = try await connection.request(
        VaultSubjects.resolve, payload: try JSONEncoder().encode(ResolveRequest(service: service, name: name)),
        headers: headers, timeout: timeout)
    return try JSONDecoder.iso.decode(ReleasedCredential.self, from: Data(reply.payload))
}

/// A release ticket signed with the tests' `RELEASE_TICKET_SECRET` (or `secret`).
func releaseTicket(
    tenant: String, requestID: String = "test", service: String? = nil, credential: String? = nil,
    expires: Date = Date() + 60, secret: String = TestCluster.releaseTicketSecret
) -> String {
    ReleaseTicketKeys(secret: secret).sign(
        ReleaseTicket(
            tenant: UUID(uuidString: tenant)!, requestID: requestID, service: service, credential: credential,
            expires: expires))
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

@Suite("Credential secrecy")
struct CredentialSecrecyTests {
    @Test("the plaintext key is in no response, no log line and no pg_dump")
    func plaintextNowhere() async throws {
        try await TestGateway.run { gateway in
            let vault = try await gateway.launch("vault", overrides: ["LOG_LEVEL": "trace"])
            let tenant = try await gateway.createTenant()
            let admin = ["x-api-key": tenant.key]
            let secret = "sk-live-TOPSECRET-0123456789abcdefXYZ"
            let updated = "sk-live-UPDATEDSECRET-9876543210zyx"
            var responses = ""
            let created = try await gateway.http.post(
                "/credentials", json: ["service": "openai", "key": secret], headers: admin)
            responses += created.text
            let id = try #require(created.json["id"] as? String)
            responses += try await gateway.http.get("/credentials", headers: admin).text
            responses += try await gateway.http.get("/credentials/\(id)", headers: admin).text
            responses += try await gateway.http.patch("/credentials/\(id)", json: ["key": updated], headers: admin).text
            responses += try await gateway.http.get("/admin/vault/status", headers: gateway.adminHeaders).text
            let proxy = try await gateway.cluster.connect(as: "proxy")
            #expect(
                try await resolve(proxy, tenant: tenant.id, service: "openai").key == updated,
                "the key is really stored")

            let dump = try ChildProcess(
                try PostgresServer.postgresBinaries() + "/pg_dump",
                ["--dbname=\(gateway.cluster.databaseURL)", "--data-only"],
                logName: "pg_dump")
            #expect(await dump.waitForExit(timeout: .seconds(60)) == 0)
            let dumped = dump.output
            #expect(dumped.contains("vault.credentials") || dumped.contains("credentials"), "the dump is real")
            let logs = vault.output + gateway.logs.text
            #expect(logs.contains("credential stored"), "the logs are real")
            for value in [secret, updated, TestCluster.masterKey] {
                #expect(!responses.contains(value))
                #expect(!dumped.contains(value))
                #expect(!logs.contains(value))
            }
            await vault.stop()
        }
    }
}
