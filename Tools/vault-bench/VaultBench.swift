import Contracts
import Crypto
import Foundation
import Logging
import Messaging

/// `vault-bench`: releases per second from a running vault over NATS (as the proxy does), against
/// `$SRV.PING.vault` round trips to the same instances in the same run; and AES-256-GCM seal/open
/// rates on a provider-key-sized secret. `scripts/bench-cluster.sh` (`BENCH_ONLY=vault`) starts the cluster it needs.
///
///     vault-bench --nats-url URL --password PROXY_PW --operator-password PW --ticket-secret SECRET --tenant UUID --services openai,anthropic [--seconds N]
///
/// Each release carries a release ticket signed with `--ticket-secret` (`RELEASE_TICKET_SECRET`),
/// as the gateway's would be, so the vault's ticket check is part of what is measured.
@main
struct VaultBench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        guard let url = option("--nats-url"), let password = option("--password"),
            let operatorPassword = option("--operator-password"), let ticketSecret = option("--ticket-secret"),
            let tenant = option("--tenant"), let tenantID = UUID(uuidString: tenant),
            let services = option("--services")?.split(separator: ",").map(String.init)
        else {
            print(
                "usage: vault-bench --nats-url URL --password PROXY_PW --operator-password PW --ticket-secret SECRET"
                    + " --tenant UUID --services a,b"
            )
            exit(2)
        }
        let seconds = option("--seconds").flatMap(Double.init) ?? 5
        var logger = Logger(label: "vault-bench")
        logger.logLevel = .error
        let connection = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], user: "proxy", password: password, name: "vault-bench"), logger: logger)
        try await connection.flush()
        // The proxy's user may not send discovery requests; the baseline goes out as the operator.
        let operatorConnection = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], user: "operator", password: operatorPassword, name: "vault-bench-ping"),
            logger: logger)

        let duration = Duration.milliseconds(Int(seconds * 1000))
        let ticket = ReleaseTicketKeys(secret: ticketSecret).sign(
            ReleaseTicket(tenant: tenantID, requestID: "bench", expires: Date() + 3600))
        let headers = {
            var headers = Routing(requestID: "bench", tenant: tenantID).headers
            headers[ReleaseTicket.header] = ticket
            return headers
        }()
        let requests = try services.map { try JSONEncoder().encode(ResolveRequest(service: $0)) }
        _ = try await measure(connection, inFlight: 8, duration: .seconds(1)) { index in
            _ = try await connection.request(
                VaultSubjects.resolve, payload: requests[index % requests.count], headers: headers)
        }
        let ping = try await measure(operatorConnection, inFlight: 64, duration: duration) { _ in
            _ = try await operatorConnection.request("$SRV.PING.vault")
        }
        let resolves = try await measure(connection, inFlight: 64, duration: duration) { index in
            _ = try await connection.request(
                VaultSubjects.resolve, payload: requests[index % requests.count], headers: headers)
        }
        let (seal, open) = try cipherRates(seconds: min(seconds, 2))

        print("Vault release over NATS, 64 in flight, \(seconds) s per case, release build")
        print("| request                               | per second | p50 (µs) | p99 (µs) | vs $SRV.PING |")
        print("|---------------------------------------|------------|----------|----------|--------------|")
        print(row("$SRV.PING.vault (baseline)", ping, ratio: 1))
        print(row("vault.credentials.resolve (audited)", resolves, ratio: resolves.rate / ping.rate))
        print()
        print("AES-256-GCM on a 51-byte secret, one core")
        print("| operation | per second |")
        print("|-----------|------------|")
        print("| seal      | \(pad(String(format: "%.0f", seal), 10)) |")
        print("| open      | \(pad(String(format: "%.0f", open), 10)) |")
        await connection.drain()
        await operatorConnection.drain()
    }

    struct Result {
        var rate: Double
        var p50: Double
        var p99: Double
    }

    static func measure(
        _ connection: NatsConnection, inFlight: Int, duration: Duration,
        _ call: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    var samples: [Double] = []
                    var index = worker
                    while clock.now < end {
                        let sent = clock.now
                        try await call(index)
                        index += inFlight
                        let elapsed = clock.now - sent
                        samples.append(elapsed.seconds * 1e6)
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }.sorted()
        }
        let elapsed = clock.now - start
        return Result(
            rate: Double(samples.count) / elapsed.seconds, p50: samples[samples.count / 2],
            p99: samples[min(samples.count - 1, samples.count * 99 / 100)])
    }

    static func cipherRates(seconds: Double) throws -> (seal: Double, open: Double) {
        let key = SymmetricKey(size: .bits256)
        let secret = Array("sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG".utf8)
        let associated = Array("strongbox.vault.credential.v1 tenant id service".utf8)
        let clock = ContinuousClock()
        var count = 0
        var box = try AES.GCM.seal(secret, using: key, authenticating: associated)
        var start = clock.now
        while clock.now - start < .milliseconds(Int(seconds * 1000)) {
            for _ in 0..<1000 { box = try AES.GCM.seal(secret, using: key, authenticating: associated) }
            count += 1000
        }
        let seal = Double(count) / seconds
        count = 0
        start = clock.now
        while clock.now - start < .milliseconds(Int(seconds * 1000)) {
            for _ in 0..<1000 { _ = try AES.GCM.open(box, using: key, authenticating: associated) }
            count += 1000
        }
        return (seal, Double(count) / seconds)
    }

    static func row(_ name: String, _ result: Result, ratio: Double) -> String {
        "| \(pad(name, 37, left: true)) | \(pad(String(format: "%.0f", result.rate), 10)) | "
            + "\(pad(String(format: "%.0f", result.p50), 8)) | \(pad(String(format: "%.0f", result.p99), 8)) | "
            + "\(pad(String(format: "%.2f", ratio), 12, left: true)) |"
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + padding : padding + text
    }
}
