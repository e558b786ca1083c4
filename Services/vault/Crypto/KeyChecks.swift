import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// The stored key check of each master key version: a known value sealed with that version.
/// At boot the vault opens the checks of every version it was given; a mismatch means the
/// operator configured the wrong key, and the vault refuses to start rather than write
/// credentials nobody can read later. It refuses too when stored credentials need a version it
/// was not given (their releases would all fail).
struct KeyChecks: Sendable {
    let client: PostgresClient
    let logger: Logger

    func verify(_ cipher: CredentialCipher) async throws {
        try await requireUsedVersions(cipher)
        for version in cipher.versions {
            let rows = try await client.query(
                "SELECT sealed FROM vault.key_checks WHERE version = \(version)", logger: logger)
            if let sealed = try await rows.decode(ByteBuffer.self).collectAll().first {
                guard cipher.verifyKeyCheck(Array(sealed.readableBytesView)) else {
                    let variable = version == cipher.currentVersion ? "CRED_ENCRYPT_KEY" : "CRED_ENCRYPT_KEYS_PREVIOUS"
                    throw ConfigurationError(
                        variable,
                        "holds a different key for version \(version) than the one that encrypted the stored credentials"
                    )
                }
            } else {
                let sealed = try cipher.keyCheck(version: version)
                try await client.query(
                    """
                    INSERT INTO vault.key_checks (version, sealed) VALUES (\(version), \(ByteBuffer(bytes: sealed)))
                    ON CONFLICT (version) DO NOTHING
                    """, logger: logger)
            }
        }
    }

    /// Every key version a stored ciphertext uses must be configured.
    private func requireUsedVersions(_ cipher: CredentialCipher) async throws {
        let rows = try await client.query(
            "SELECT key_version, count(*)::int FROM vault.credentials GROUP BY key_version ORDER BY key_version",
            logger: logger)
        let configured = Set(cipher.versions)
        for try await (version, count) in rows.decode((Int, Int).self) where !configured.contains(version) {
            throw ConfigurationError(
                "CRED_ENCRYPT_KEYS_PREVIOUS",
                "lacks master key version \(version), which \(count) stored credential(s) still use: add it as "
                    + "\(version):<64 hex characters> (after a rotation, keep it until GET /admin/vault/status shows 0 for it)"
            )
        }
    }
}
