import NIOCore
import NIOPosix

/// Runs tasks on NIO's event loops as their task executor, so that entering a nonisolated async
/// function costs nothing.
///
/// With NIO's event loops installed as the global executor (``ServiceMain``), NIO runs each job
/// "on" the event loop's serial executor; every call into a nonisolated async function (the
/// middlewares, handlers and library code a request passes through) must then switch to the
/// generic executor, and the runtime does that by enqueuing the task on the event loop again: a
/// hundred enqueues and loop turns per proxied call in the gateway, 65 in the proxy (counted with
/// a uprobe on `swift_task_enqueueGlobal`). A job run on a task executor runs on the generic
/// executor, and a task that prefers this executor continues in place. Tasks are run on the event
/// loop they were enqueued from (so a request stays on its channel's loop), or on the next loop of
/// the group when enqueued from another thread (a libnats callback resuming a task).
///
/// Measured in alternating turns at 64 connections (docs/benchmarks.md, "Counted per call"): the
/// gateway's CPU per call fell by 18 µs; the proxy's, whose calls arrive from libnats threads rather
/// than from its own event loops, rose by 17 µs with the same change, so it is a choice per service
/// (``ServiceMain/run(_:description:migrations:batchesNatsWrites:prefersEventLoopTaskExecutor:configuration:build:)``): the gateway's.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// Over NIO's singleton event loops, which the services' HTTP, PostgreSQL and HTTP client use.
    public static let shared = EventLoopTaskExecutor(group: MultiThreadedEventLoopGroup.singleton)

    private let group: any EventLoopGroup

    public init(group: any EventLoopGroup) {
        self.group = group
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
