import Dispatch
import HummingbirdBcrypt

/// bcrypt, run on Dispatch threads: a hash takes tens to hundreds of milliseconds of CPU, which
/// must not occupy the cooperative pool's few threads.
struct PasswordHasher: Sendable {
    let cost: UInt8
    private static let queue = DispatchQueue(label: "gateway.bcrypt", attributes: .concurrent)
    /// Verified against when a login names no user, so both cases take the same time.
    private let decoy: String

    init(cost: UInt8) {
        self.cost = cost
        decoy = Bcrypt.hash("decoy password for absent users", cost: cost)
    }

    func hash(_ password: String) async -> String {
        let cost = cost
        return await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }

    func verify(_ password: String, hash: String?) async -> Bool {
        let target = hash ?? decoy
        let matches = await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: Bcrypt.verify(password, hash: target)) }
        }
        return matches && hash != nil
    }

    /// 8 to 72 bytes (bcrypt ignores anything past 72 bytes, so longer is refused, not truncated).
    static func validate(_ password: String, field: String = "password") throws {
        guard password.count >= 8 else { throw Problem.badRequest("`\(field)` must have at least 8 characters") }
        guard password.utf8.count <= 72 else { throw Problem.badRequest("`\(field)` must have at most 72 bytes") }
    }
}
