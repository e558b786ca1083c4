import Contracts
import Foundation
import Messaging
import ServiceKit

/// `vault.admin.rotate` and `vault.admin.status` (the gateway's `/admin/vault/*`, platform admin only).
struct AdminHandlers: Sendable {
    let repository: CredentialRepository
    let jobs: RewrapJobs
    let cipher: CredentialCipher

    var endpoints: [MicroService.Endpoint] {
        [
            .request("admin.rotate", subject: VaultSubjects.rotate, queueGroup: Subjects.queueGroup(.vault)) { _ in
                try await jobs.start()
                return try .json(try await status())
            },
            .request("admin.status", subject: VaultSubjects.status, queueGroup: Subjects.queueGroup(.vault)) { _ in
                try .json(try await status())
            },
        ]
    }

    /// The rewrap's state is read before the counts: a job seen `done` has every row committed on
    /// its version, so the counts read after it agree (read the other way round, a batch that
    /// committed between the two reads showed a done job with rows still on the old version).
    func status() async throws -> VaultStatus {
        let rewrap = try await jobs.status()
        let counts = try await repository.countByVersion()
        let versions = Set(counts.keys).union(cipher.versions).sorted()
        return VaultStatus(
            currentVersion: cipher.currentVersion,
            versions: versions.map { VaultStatus.Version(version: $0, credentials: counts[$0] ?? 0) },
            rewrap: rewrap)
    }
}
