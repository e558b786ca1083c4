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
