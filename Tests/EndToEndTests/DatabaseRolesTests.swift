import Foundation
import PostgresNIO
import TestSupport
import Testing

/// One PostgreSQL role per service (deploy/postgres/service-roles.sql), each owning its schema and
/// granted nothing else: tried as a compromised service would.
@Suite("Database roles")
struct DatabaseRolesTests {
    @Test(
        "each service's role reaches its own schema and no other: content cannot read gateway.users or vault.credentials"
    )
    func ownSchemaOnly() async throws {
        try await TestGateway.run { gateway in
            // The services create their tables under their own roles.
            for service in ["vault", "content", "usage", "proxy"] { _ = try await gateway.launch(service) }
            let tenant = try await gateway.createTenant()
            _ = try await gateway.register("ada", key: tenant.key)
            let url = { (service: String) in gateway.cluster.databaseURL(for: service) }

            let refused: [(role: String, sql: String)] = [
                ("content", "SELECT password_hash FROM gateway.users"),
                ("content", "SELECT ciphertext FROM vault.credentials"),
                ("content", "INSERT INTO gateway.api_keys (id) VALUES (gen_random_uuid())"),
                ("usage", "SELECT key_hash FROM gateway.api_keys"),
                ("usage", "SELECT * FROM vault.key_checks"),
                ("proxy", "SELECT * FROM vault.credentials"),
                ("gateway", "SELECT * FROM vault.credentials"),
                ("gateway", "SELECT * FROM usage.events"),
                ("vault", "SELECT * FROM gateway.users"),
                ("content", "CREATE TABLE public.stash (x text)"),
                ("content", "CREATE SCHEMA stash"),
            ]
            for (role, sql) in refused {
                let error = await #expect(throws: PSQLError.self, "\(role): \(sql)") {
                    try await PostgresServer.execute(sql, on: url(role))
                }
                #expect(error?.serverInfo?[.sqlState] == "42501", "\(role): \(sql): permission denied")
            }
            // Their own: allowed.
            for (role, sql) in [
                ("content", "SELECT count(*) FROM content.types"), ("gateway", "SELECT count(*) FROM gateway.users"),
                ("vault", "SELECT count(*) FROM vault.credentials"), ("usage", "SELECT count(*) FROM usage.events"),
                ("proxy", "SELECT count(*) FROM proxy.usage_outbox"),
            ] {
                try await PostgresServer.execute(sql, on: url(role))
            }
            // And every schema belongs to its service's role.
            let rows = try await gateway.database.query(
                "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname IN ('gateway', 'vault', 'proxy', 'content', 'usage')"
            )
            var owners: [String: String] = [:]
            for try await (schema, owner) in rows.decode((String, String).self) { owners[schema] = owner }
            #expect(
                owners == Dictionary(uniqueKeysWithValues: ServiceRoles.services.map { ($0, ServiceRoles.role($0)) }))
        }
    }
}
