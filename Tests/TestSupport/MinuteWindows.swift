import Foundation

/// Limits count in UTC minutes: a test that expects the Nth request of a minute to be refused must
/// not straddle two minutes (each admits its own count). When less than `margin` seconds of the
/// current minute are left, this waits for the next one.
public func awayFromMinuteEnd(margin: Double = 25) async throws {
    let second = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
    if second > 60 - margin { try await Task.sleep(for: .milliseconds(Int((60.5 - second) * 1000))) }
}
