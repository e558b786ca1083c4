import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO

extension MicroService.Endpoint {
    /// `<service>.tenants.delete`: removes every row of the tenant named in the `Tenant-Id`
    /// header from the service's tenant-owned tables, and records the tenant in `deletedTenants`
    /// if given, in one transaction. Idempotent.
    static func tenantDeletion(
        _ service: ServiceName, tables: [String], recordingIn deletedTenants: String? = nil, database: PostgresClient,
        logger: Logger
    ) -> Self {
        .request(
            "tenants.delete", subject: Subjects.tenantDeletion(service), queueGroup: Subjects.queueGroup(service)
        ) { request in
            let tenant = try request.tenantID()
            let deleted = try await database.withTransaction(logger: logger) { connection in
                var deleted: [String: Int] = [:]
                for table in tables {
                    var query = PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE tenant_id = $1")
                    query.binds.append(tenant)
                    let rows = try await connection.query(query, logger: logger)
                    var count = 0
                    for try await _ in rows { count += 1 }
                    deleted[table] = count
                }
                if let deletedTenants {
                    var query = PostgresQuery(
                        unsafeSQL: "INSERT INTO \(deletedTenants) (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING")
                    query.binds.append(tenant)
                    try await connection.query(query, logger: logger)
                }
                return deleted
            }
            logger.info("deleted a tenant's data", metadata: ["tenant.id": "\(tenant)", "rows": "\(deleted)"])
            return Reply(payload: Array(try JSONEncoder().encode(TenantDeletionReply(deleted: deleted))))
        }
    }
}
