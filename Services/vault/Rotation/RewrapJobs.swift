import Contracts
import Foundation
import Logging
import Messaging
import NIOCore
import PostgresNIO
import ServiceKit

/// Rewrap jobs: move every credential to the current master key version, in batches, from any
/// number of vault instances at once (rows are claimed with `FOR UPDATE SKIP LOCKED`), resuming
/// wherever it stopped (the state is the rows' own key versions).
struct RewrapJobs: Sendable {
    let client: PostgresClient
    let cipher: CredentialCipher
    let logger: Logger
    var batchSize = 100

    /// Starts a job to the current version (or returns the running one).
    func start() async throws {
        let target = cipher.currentVersion
        let newer = try await client.query(
            "SELECT count(*)::integer FROM vault.credentials WHERE key_version > \(target)", logger: logger)
        if let count = try await newer.decode(Int.self).collectAll().first, count > 0 {
            throw ServiceError.conflict(
                "\(count) credentials already use a key version newer than \(target); rotate from a vault instance that has it"
            )
        }
        do {
            try await client.query(
                """
                INSERT INTO vault.rewrap_jobs (id, target_version, state, total)
                SELECT \(UUID.v7()), \(target),
                       CASE WHEN count(*) = 0 THEN 'done' ELSE 'running' END, count(*)::integer
                FROM vault.credentials WHERE key_version < \(target)
                """, logger: logger)
        } catch let error where DatabaseErrors.uniqueViolation(error) == "rewrap_jobs_one_running" {
            // A job is running already; it will pick up every row below its target version.
        }
    }

    func status() async throws -> VaultStatus.Rewrap {
        let rows = try await client.query(
            """
            SELECT j.state, j.total, j.target_version,
                   (SELECT count(*)::integer FROM vault.credentials c
                    WHERE c.key_version < j.target_version AND NOT (c.id = ANY(j.failed_ids)))
            FROM vault.rewrap_jobs j ORDER BY j.started_at DESC, j.id DESC LIMIT 1
            """, logger: logger)
        guard let (state, total, _, remaining) = try await rows.decode((String, Int, Int, Int).self).collectAll().first
        else {
            return VaultStatus.Rewrap(state: "idle", done: 0, total: 0)
        }
        return VaultStatus.Rewrap(state: state, done: state == "done" ? total : max(0, total - remaining), total: total)
    }

    /// Rewraps one batch of the running job, if this instance's key version is its target;
    /// returns false when there was nothing to do.
    func rewrapBatch() async throws -> Bool {
        let target = cipher.currentVersion
        let batchSize = batchSize
        return try await client.withTransaction(logger: logger) { connection in
            let jobs = try await connection.query(
                "SELECT id, target_version, failed_ids FROM vault.rewrap_jobs WHERE state = 'running'", logger: logger)
            guard let (job, jobTarget, failed) = try await jobs.decode((UUID, Int, [UUID]).self).collectAll().first,
                jobTarget == target
            else { return false }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: CredentialRepository.columns) FROM vault.credentials
                WHERE key_version < \(target) AND NOT (id = ANY(\(failed)))
                ORDER BY id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger: logger)
            let batch = try await CredentialRepository.decode(rows)
            guard !batch.isEmpty else {
                try await connection.query(
                    """
                    UPDATE vault.rewrap_jobs SET state = 'done', finished_at = now()
                    WHERE id = \(job) AND NOT EXISTS (
                        SELECT 1 FROM vault.credentials WHERE key_version < \(target) AND NOT (id = ANY(\(failed))))
                    """, logger: logger)
                return false
            }
            var newlyFailed: [UUID] = []
            for credential in batch {
                do {
                    // The plaintext exists only here, in this process, between these two lines.
                    let key = try cipher.open(
                        credential.ciphertext, tenant: credential.tenant, credential: credential.id,
                        service: credential.service)
                    let sealed = try cipher.seal(
                        key, tenant: credential.tenant, credential: credential.id, service: credential.service)
                    try await connection.query(
                        """
                        UPDATE vault.credentials SET ciphertext = \(ByteBuffer(bytes: sealed)), key_version = \(target)
                        WHERE id = \(credential.id)
                        """, logger: logger)
                } catch let failure as CredentialCipher.Failure {
                    logger.error(
                        "a credential cannot be rewrapped",
                        metadata: ["credential.id": "\(credential.id)", "reason": "\(failure)"])
                    newlyFailed.append(credential.id)
                }
            }
            if !newlyFailed.isEmpty {
                try await connection.query(
                    "UPDATE vault.rewrap_jobs SET failed_ids = failed_ids || \(newlyFailed) WHERE id = \(job)",
                    logger: logger)
            }
            return true
        }
    }
}
