@preconcurrency import Dispatch

/// A Dispatch timer that fires once, at the instant it was last armed for (uptime nanoseconds, as
/// `DispatchTime` counts them), and not at all while disarmed. Its owner arms and disarms it under
/// its own lock, beside the state that decides what is due next.
final class DeadlineTimer: Sendable {
    private let timer: any DispatchSourceTimer
    private let leeway: DispatchTimeInterval

    init(label: String, leeway: DispatchTimeInterval) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: label))
        self.leeway = leeway
        timer.schedule(deadline: .distantFuture, leeway: leeway)
        // Active from the start (Dispatch must not release an inactive source), disarmed.
        timer.activate()
    }

    deinit {
        timer.cancel()
    }

    /// What it runs when it fires (set before the first ``arm(at:)``).
    func onFire(_ handler: @escaping @Sendable () -> Void) {
        timer.setEventHandler(handler: handler)
    }

    /// Fires at `instant` (at once if it has passed), in place of any instant armed before.
    func arm(at instant: UInt64) {
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: instant), leeway: leeway)
    }

    func disarm() {
        timer.schedule(deadline: .distantFuture, leeway: leeway)
    }
}
