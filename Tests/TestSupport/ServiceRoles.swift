import Foundation
import PostgresNIO

/// deploy/postgres/service-roles.sql, the roles and schemas every deployment sets up, read for
/// the tests' databases.
public enum ServiceRoles {
    public static let services = ["gateway", "vault", "proxy", "content", "usage"]

    /// The role a service logs in as.
    public static func role(_ service: String) -> String { "strongbox_\(service)" }

    /// The settings the script reads the roles' passwords from (`strongbox.<service>_password`).
    static func passwordSettings(_ passwords: [String: String]) -> [PostgresQuery] {
        passwords.map { service, password in
            var query = PostgresQuery(unsafeSQL: "SELECT set_config('strongbox.\(service)_password', $1, false)")
            query.binds.append(password)
            return query
        }
    }

    /// The script's two statements: the roles (once per cluster) and the schemas (per database).
    static func script() throws -> (roles: String, schemas: String) {
        let url = TestCluster.repositoryRoot.appendingPathComponent("deploy/postgres/service-roles.sql")
        let text = try String(contentsOf: url, encoding: .utf8)
        let blocks = text.components(separatedBy: "\nDO ").dropFirst().map { "DO " + $0 }
        guard blocks.count == 2 else { throw TestInfrastructureError("service-roles.sql must hold two DO blocks") }
        return (
            blocks[0].trimmingCharacters(in: .whitespacesAndNewlines),
            blocks[1].trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
