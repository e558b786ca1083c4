import Foundation
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A process started by a test (with `posix_spawn`), ended by its PID when the test is done.
/// Output goes to a log file (see ``output``).
public final class ChildProcess: Sendable {
    private struct State {
        var pid: pid_t
        var exitStatus: Int32?
    }

    public let executable: String
    public let arguments: [String]
    private let environment: [String: String]
    private let logPath: String
    private let state: Mutex<State>

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        inheritEnvironment: Bool = true, logName: String
    ) throws {
        self.executable = executable
        self.arguments = arguments
        var merged = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        merged.merge(environment) { $1 }
        self.environment = merged
        logPath =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "strongbox-test-\(logName)-\(UUID().uuidString.prefix(8)).log"
            ).path
        let pid = try Self.spawn(executable, arguments, merged, logPath)
        state = Mutex(State(pid: pid, exitStatus: nil))
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], _ environment: [String: String], _ log: String
    )
        throws -> pid_t
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process goes along: a child holding a test's socket keeps that
        // connection open after the test closes it (a client that "went away" would not have).
        guard Self.closeFrom(&actions, 3) == 0 else {
            throw TestInfrastructureError("could not keep \(executable) from inheriting open files")
        }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            throw TestInfrastructureError("could not start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed: posix_spawn_file_actions_addclosefrom_np is missing")
        }
        return unsafeBitCast(
            symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    public var pid: Int32 { state.withLock { $0.pid } }

    public var isRunning: Bool { exitStatus == nil }

    /// The exit status once the process has ended (reaping it), else nil.
    public var exitStatus: Int32? {
        state.withLock { state in
            if state.exitStatus == nil {
                var status: Int32 = 0
                if waitpid(state.pid, &status, WNOHANG) == state.pid {
                    // WIFEXITED ? WEXITSTATUS : 128 + signal, as a shell reports it.
                    state.exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                }
            }
            return state.exitStatus
        }
    }

    /// What the process wrote so far.
    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit; returns the status, or nil on timeout.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return exitStatus
    }

    /// Sends `signal` and waits (up to `timeout`) for the exit; returns the exit status, or nil if still running.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async -> Int32? {
        if let status = exitStatus { return status }
        Glibc.kill(pid, signal)
        return await waitForExit(timeout: timeout)
    }

    /// SIGKILL, no questions.
    public func kill() async {
        await stop(signal: SIGKILL, timeout: .seconds(5))
    }

    /// Starts the same command again (after ``stop(signal:timeout:)``), with other arguments if given.
    public func restart(arguments: [String]? = nil) throws {
        let pid = try Self.spawn(executable, arguments ?? self.arguments, environment, logPath)
        state.withLock { $0 = State(pid: pid, exitStatus: nil) }
    }

    /// Runs a command to completion (off the cooperative pool) and throws with its output if it fails.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
        async throws
    {
        let process = try ChildProcess(executable, arguments, environment: environment, logName: "run")
        let status = await process.waitForExit(timeout: .seconds(120))
        guard status == 0 else {
            throw TestInfrastructureError("\(executable) \(arguments.joined(separator: " ")) failed: \(process.output)")
        }
    }

    deinit {
        if exitStatus == nil {
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}
