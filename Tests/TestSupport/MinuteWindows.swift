import Foundation

/// Limits count in UTC minutes: a test that expects the Nth request of a minute to be refused must
/// not straddle two minutes (each admits its own count). When less than `margin` seconds of the
/// current minute are left, this waits for the next one.
func awayFromMinuteEnd(margin: Double = 25) async throws {
    let second = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
    if second > 60 - margin { try await Task.sleep(for: .milliseconds(Int((60.5 - second) * 1000))) }
}

/// Runs `body` (after ``awayFromMinuteEnd(margin:)``) until a run starts and ends in the same UTC
/// minute, at most `attempts` times, and returns that run's result (or the last one's): a loaded
/// machine can be slower than any margin. The body must count from fresh state each time (a new
/// tenant or key).
public func inOneMinute<T>(attempts: Int = 3, _ body: () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
        try await awayFromMinuteEnd()
        let minute = Int(Date().timeIntervalSince1970 / 60)
        let result = try await body()
        if Int(Date().timeIntervalSince1970 / 60) == minute || attempt == attempts { return result }
        attempt += 1
    }
}
