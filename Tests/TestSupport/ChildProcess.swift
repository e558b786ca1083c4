import Foundation
import Synchronization

/// A process started by a test, ended by its PID when the test is done with it.
public final class ChildProcess: Sendable {
    private let process: Mutex<Process>
    public let executable: String
    public let arguments: [String]
    private let environment: [String: String]
    private let logURL: URL

    /// Starts `executable`; its stdout and stderr go to a log file (see ``output``).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], logName: String
    ) throws {
        self.executable = executable
        self.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { $1 }
        self.environment = merged
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent(
            "strongbox-test-\(logName)-\(UUID().uuidString.prefix(8)).log")
        process = Mutex(try Self.launch(executable, arguments, merged, logURL))
    }

    private static func launch(_ executable: String, _ arguments: [String], _ environment: [String: String], _ log: URL)
        throws -> Process
    {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    public var pid: Int32 { process.withLock { $0.processIdentifier } }
    public var isRunning: Bool { process.withLock { $0.isRunning } }

    /// What the process wrote so far.
    public var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits (up to `timeout`) for the exit; returns the exit status, or nil if still running.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async -> Int32? {
        let process = process.withLock { $0 }
        guard process.isRunning else { return process.terminationStatus }
        Foundation.kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGKILL, no questions.
    public func kill() async {
        await stop(signal: SIGKILL, timeout: .seconds(5))
    }

    /// Starts the same command again (after ``stop(signal:timeout:)``).
    public func restart() throws {
        let fresh = try Self.launch(executable, arguments, environment, logURL)
        process.withLock { $0 = fresh }
    }

    /// Waits for the exit; returns the status, or nil on timeout.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let process = process.withLock { $0 }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        let process = process.withLock { $0 }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}
