import Contracts
import Foundation
import ServiceKit

/// Ciphertexts by (tenant, service, name), so a release needs no database query: only the
/// decryption, per request. Writes and deletes evict on every vault instance through
/// `vault.events.credentials.changed`; entries also expire after a while.
struct CiphertextCache: Sendable {
    let entries: InvalidatingCache<CredentialKey, StoredCredential>

    init(lifetime: Duration) {
        entries = InvalidatingCache(lifetime: lifetime, capacity: 200_000)
    }

    func evict(_ key: CredentialKey) {
        entries.evict(key)
    }
}
