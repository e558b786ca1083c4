import Logging
import ServiceLifecycle

/// Works on the running rewrap job, batch after batch, on every vault instance whose current key
/// version is the job's target; idle, it looks for work every `pollInterval`.
struct RewrapWorker: Service {
    let jobs: RewrapJobs
    let pollInterval: Duration
    let logger: Logger

    func run() async throws {
        // Cancelled on graceful shutdown: a batch in progress rolls back and is redone later.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var worked = false
                do {
                    worked = try await jobs.rewrapBatch()
                } catch  where Task.isCancelled {
                    return
                } catch {
                    logger.error("rewrap batch failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                }
                if !worked { try? await Task.sleep(for: pollInterval) }
            }
        }
    }
}
