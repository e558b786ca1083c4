import Contracts
import Foundation
import Logging
import Messaging
import Synchronization

/// Writes release records to the JetStream stream `AUDIT` before the key leaves the vault.
///
/// Records are group-committed: the first release that finds no write in progress writes every
/// record waiting at that moment as one JetStream message, and keeps doing so until none are
/// left; the others wait for the ack of the message that holds theirs. Under load one message
/// (one ack) covers dozens of releases; when idle each release writes its own. A failed write
/// fails every release in it: no audit record, no key.
final class AuditLog: Sendable {
    static let stream = StreamConfig(name: "AUDIT", subjects: ["audit.>"], maxAge: .seconds(400 * 24 * 3600))

    private struct Pending {
        var record: CredentialReleased
        var outcome: OneShot<Result<Void, any Error>>
    }

    private let jetStream: JetStream
    private let logger: Logger
    private let maximumBatch: Int
    private let state = Mutex<(pending: [Pending], writing: Bool)>(([], false))

    init(jetStream: JetStream, logger: Logger, maximumBatch: Int = 256) {
        self.jetStream = jetStream
        self.logger = logger
        self.maximumBatch = maximumBatch
    }

    /// Returns once the record is stored in the stream; throws if it could not be.
    func record(_ record: CredentialReleased) async throws {
        let outcome = OneShot<Result<Void, any Error>>()
        let leads = state.withLock { state in
            state.pending.append(Pending(record: record, outcome: outcome))
            defer { state.writing = true }
            return !state.writing
        }
        if leads { await writeUntilEmpty() }
        try await outcome.value().get()
    }

    private func writeUntilEmpty() async {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let batch = Array(state.pending.prefix(maximumBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let message = CredentialReleaseBatch(id: UUID.v7(), records: batch.map(\.record))
            do {
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                try await jetStream.publish(
                    VaultSubjects.auditReleased, payload: try encoder.encode(message),
                    messageID: message.id.uppercasedString)
                for pending in batch { pending.outcome.set(.success(())) }
            } catch {
                logger.error("audit records not written", metadata: ["records": "\(batch.count)", "error": "\(error)"])
                for pending in batch { pending.outcome.set(.failure(error)) }
            }
        }
    }
}
