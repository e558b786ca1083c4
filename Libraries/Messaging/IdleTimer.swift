@preconcurrency import Dispatch
import Synchronization

/// A repeating Dispatch timer that ticks only while woken: it starts asleep, ``wake()`` starts it
/// and ``sleep()`` stops it, so a process with nothing due is not woken. Its owner calls both
/// under its own lock, beside the state that decides whether anything is due.
final class IdleTimer: Sendable {
    private let timer: any DispatchSourceTimer
    private let ticking = Mutex(false)

    init(label: String, every interval: DispatchTimeInterval, leeway: DispatchTimeInterval) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: label))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: leeway)
    }

    deinit {
        timer.cancel()
        // Dispatch requires an inactive or suspended source to be resumed before it goes.
        if !ticking.withLock({ $0 }) { timer.resume() }
    }

    /// What each tick runs (set once, before the first ``wake()``).
    func onTick(_ handler: @escaping @Sendable () -> Void) {
        timer.setEventHandler(handler: handler)
    }

    var isTicking: Bool { ticking.withLock { $0 } }

    func wake() {
        ticking.withLock { ticking in
            guard !ticking else { return }
            ticking = true
            timer.resume()
        }
    }

    func sleep() {
        ticking.withLock { ticking in
            guard ticking else { return }
            ticking = false
            timer.suspend()
        }
    }
}

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
