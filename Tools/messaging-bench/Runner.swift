import Foundation
import Logging
import Messaging

/// Starts NATS (unless given one) and the responder process, then measures each case.
struct Runner {
    let seconds: Double
    let natsURL: String?
    let logger: Logger

    struct Result {
        var name: String
        var inFlight: Int
        var roundTrips: Int
        var elapsed: Duration
        var latencies: [UInt64]

        var perSecond: Double { Double(roundTrips) / elapsed.seconds }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let index = min(latencies.count - 1, Int(Double(latencies.count) * p))
            return Double(latencies[index]) / 1000
        }
    }

    func run() async throws {
        var server: Process?
        let url: String
        if let natsURL {
            url = natsURL
        } else {
            let port = Int.random(in: 20000...40000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try which("nats-server"))
            process.arguments = ["-a", "127.0.0.1", "-p", String(port)]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            server = process
            url = "nats://127.0.0.1:\(port)"
        }
        defer { server?.terminate() }

        let responder = Process()
        responder.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        responder.arguments = ["responder", "--nats-url", url]
        try responder.run()
        defer {
            responder.terminate()
            responder.waitUntilExit()
        }

        let connection = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], name: "bench"), logger: logger)
        try await waitForResponder(connection)
        let payload = Array(repeating: UInt8(ascii: "x"), count: 128)
        let duration = Duration.milliseconds(Int(seconds * 1000))

        // Warm up both paths.
        _ = try await asyncCase(connection, payload, inFlight: 8, duration: .milliseconds(500))
        _ = try baselineCase(connection, payload, inFlight: 8, duration: .milliseconds(500))

        var rows: [(Result, Result)] = []
        for inFlight in [1, 64] {
            let baseline = try baselineCase(connection, payload, inFlight: inFlight, duration: duration)
            let measured = try await asyncCase(connection, payload, inFlight: inFlight, duration: duration)
            rows.append((baseline, measured))
        }
        printTable(rows)
        await connection.drain()
    }

    private func waitForResponder(_ connection: NatsConnection) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? await connection.request("$SRV.PING.bench", timeout: .milliseconds(200))) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("the responder did not start")
    }

    /// The Messaging API: `inFlight` tasks each sending one request at a time.
    private func asyncCase(_ connection: NatsConnection, _ payload: [UInt8], inFlight: Int, duration: Duration)
        async throws -> Result
    {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        let latencies = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<inFlight {
                group.addTask {
                    var samples: [UInt64] = []
                    samples.reserveCapacity(200_000)
                    while clock.now < end {
                        let sent = clock.now
                        _ = try await connection.request(Responder.subject, payload: payload, timeout: .seconds(5))
                        samples.append(UInt64((clock.now - sent).nanoseconds))
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Result(
            name: "Messaging (async)", inFlight: inFlight, roundTrips: latencies.count, elapsed: clock.now - start,
            latencies: latencies.sorted())
    }

    /// libnats's blocking request on `inFlight` threads: the baseline.
    private func baselineCase(_ connection: NatsConnection, _ payload: [UInt8], inFlight: Int, duration: Duration)
        throws -> Result
    {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        let collected = LatencyCollector()
        let threads = (0..<inFlight).map { _ in
            Thread {
                var samples: [UInt64] = []
                samples.reserveCapacity(200_000)
                while clock.now < end {
                    let sent = clock.now
                    do {
                        try connection.blockingRequestBaseline(
                            Responder.subject, payload: payload, timeout: .seconds(5))
                    } catch {
                        collected.fail(error)
                        break
                    }
                    samples.append(UInt64((clock.now - sent).nanoseconds))
                }
                collected.add(samples)
            }
        }
        threads.forEach { $0.start() }
        collected.wait(for: inFlight)
        if let error = collected.error { throw error }
        let latencies = collected.samples.sorted()
        return Result(
            name: "libnats blocking (baseline)", inFlight: inFlight, roundTrips: latencies.count,
            elapsed: clock.now - start, latencies: latencies)
    }

    private func printTable(_ rows: [(Result, Result)]) {
        func cell(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + padding : padding + text
        }
        func line(_ result: Result, ratio: String) -> String {
            let columns = [
                cell(result.name, 27, left: true), cell("\(result.inFlight)", 9),
                cell(String(format: "%.0f", result.perSecond), 13),
                cell(String(format: "%.0f", result.percentile(0.5)), 8),
                cell(String(format: "%.0f", result.percentile(0.99)), 8), cell(ratio, 24, left: true),
            ]
            return "| " + columns.joined(separator: " | ") + " |"
        }
        print("Messaging request/reply, 128-byte payload, echo responder in another process, \(seconds) s per case")
        print(
            "| client                      | in flight | round trips/s | p50 (µs) | p99 (µs) | vs baseline (same run)   |"
        )
        print(
            "|-----------------------------|-----------|---------------|----------|----------|--------------------------|"
        )
        for (baseline, measured) in rows {
            print(line(baseline, ratio: "1.00"))
            let throughput = measured.perSecond / baseline.perSecond
            let latency = measured.percentile(0.5) / max(baseline.percentile(0.5), 0.001)
            print(line(measured, ratio: String(format: "%.2fx rate, %.2fx p50", throughput, latency)))
        }
    }

    private func which(_ name: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/sbin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BenchError("\(name) not found; run `make install`")
    }
}

/// Gathers samples from baseline threads.
final class LatencyCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private(set) var samples: [UInt64] = []
    private(set) var error: (any Error)?
    private var finished = 0

    func add(_ batch: [UInt64]) {
        condition.lock()
        samples += batch
        finished += 1
        condition.broadcast()
        condition.unlock()
    }

    func fail(_ error: any Error) {
        condition.lock()
        self.error = error
        condition.unlock()
    }

    func wait(for count: Int) {
        condition.lock()
        while finished < count { condition.wait() }
        condition.unlock()
    }
}
