import Dispatch

/// Runs blocking libnats calls (connect, flush, fetch, close) on Dispatch threads,
/// never on Swift's cooperative pool, which has only as many threads as cores.
enum Blocking {
    private static let queue = DispatchQueue(label: "messaging.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
