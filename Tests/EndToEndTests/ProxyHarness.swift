import Contracts
import Foundation
import Logging
import Messaging
import ProviderStandIn
import TestSupport
import Testing

/// A gateway with a vault, a proxy, the usage service (which keeps limits) and a stand-in
/// provider, and a tenant whose credentials point at the stand-in. `usage` reads the usage events
/// as published, through a consumer of its own.
struct ProxyHarness: Sendable {
    let gateway: TestGateway
    let standIn: StandInLog
    let standInURL: String
    /// A second stand-in provider (`standIns: 2`), for routes whose targets are different servers.
    let secondStandIn: (log: StandInLog, url: String)?
    /// Each proxy instance's `/metrics` and health, in launch order.
    let proxyOps: [HTTPTestClient]
    let tenant: (id: String, slug: String, key: String)
    let usage: PullConsumer
    let vault: ChildProcess
    let proxy: ChildProcess
    let usageService: ChildProcess

    var http: HTTPTestClient { gateway.http }
    var auth: [String: String] { ["x-api-key": tenant.key] }

    /// Runs `body` with the whole chain; `proxyEnvironment` tunes the proxy. With more `gateways`
    /// and `proxies`, `gateway.instances` reach every gateway and `proxy` is the first proxy. On a
    /// NATS cluster (`natsNodes`), `proxyNodes` puts each proxy on one node alone.
    static func run(
        gateways: Int = 1, proxies: Int = 1, standIns: Int = 1, natsNodes: Int = 1, ownPostgres: Bool = false,
        proxyNodes: [Int]? = nil, proxyEnvironment: [String: String] = [:],
        chunkDelay: Duration = .milliseconds(150), _ body: @Sendable (ProxyHarness) async throws -> Void
    ) async throws {
        let logs = (0..<standIns).map { _ in StandInLog() }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var urls: [String] = []
            var iterator = ports.makeAsyncIterator()
            for log in logs {
                group.addTask {
                    try await StandInProvider(log: log, chunkDelay: chunkDelay).run(logger: Logger(label: "stand-in")) {
                        continuation.yield($0)
                    }
                }
                guard let port = await iterator.next() else {
                    throw TestInfrastructureError("the stand-in did not start")
                }
                urls.append("http://127.0.0.1:\(port)")
            }
            let url = urls[0]
            let second = standIns > 1 ? (log: logs[1], url: urls[1]) : nil
            let allowList = (urls + ["http://127.0.0.1:9"]).joined(separator: ",")
            try await TestGateway.run(instances: gateways, natsNodes: natsNodes, ownPostgres: ownPostgres) { gateway in
                let allowed = ["PROXY_ALLOWED_BASE_URLS": allowList]
                let vault = try await gateway.launch("vault", overrides: allowed)
                // The proxy admits every call against the tenant's limits, which the usage service keeps.
                let usageService = try await gateway.launch("usage")
                let proxyOverrides = allowed.merging(proxyEnvironment) { $1 }
                let opsPorts = (0..<proxies).map { _ in Loopback.freePort() }
                /// The proxy `index`'s own settings: its ops port and, with `proxyNodes`, its one NATS node.
                func overrides(_ index: Int) -> [String: String] {
                    var own = ["OPS_PORT": String(opsPorts[index])]
                    if let proxyNodes { own["NATS_URL"] = gateway.cluster.natsServers[proxyNodes[index]].url }
                    return proxyOverrides.merging(own) { $1 }
                }
                let proxy = try await gateway.launch("proxy", overrides: overrides(0))
                for count in stride(from: 2, through: proxies, by: 1) {
                    _ = try await gateway.launch("proxy", overrides: overrides(count - 1), instances: count)
                }
                let tenant = try await gateway.createTenant()
                let operatorConnection = try await gateway.cluster.connect(as: "operator")
                // As the usage service makes it (with the cluster's replicas), should this come first:
                // a stream of one replica would live on one node, which a fault test may kill.
                var stream = UsageStream.config
                stream.numReplicas = natsNodes
                try await operatorConnection.jetStream.ensureStream(stream)
                try await operatorConnection.jetStream.ensureConsumer(
                    stream: "USAGE", ConsumerConfig(durableName: "test"))
                let usage = try await operatorConnection.jetStream.pullConsumer(
                    stream: "USAGE", durable: "test", subject: "usage.events.>")
                let harness = ProxyHarness(
                    gateway: gateway, standIn: logs[0], standInURL: url, secondStandIn: second,
                    proxyOps: opsPorts.map { HTTPTestClient(baseURL: "http://127.0.0.1:\($0)") }, tenant: tenant,
                    usage: usage, vault: vault,
                    proxy: proxy, usageService: usageService)
                try await body(harness)
                await proxy.stop()
                await vault.stop()
                await usageService.stop()
            }
            group.cancelAll()
        }
    }

    /// Stores a credential pointing at the stand-in.
    func store(_ service: String, key: String, name: String? = nil, meta: [String: Any] = [:]) async throws {
        var meta = meta
        if meta["baseUrl"] == nil { meta["baseUrl"] = standInURL }
        var body: [String: Any] = ["service": service, "key": key, "meta": meta]
        if let name { body["name"] = name }
        let response = try await http.post("/credentials", json: body, headers: auth)
        guard response.status == 201 else { throw TestInfrastructureError("storing \(service): \(response.text)") }
    }

    /// The next usage events (waits up to `timeout` for `count` of them, in fetches of up to half a
    /// second each: counted, so a machine that stalls for a while does not use them up).
    func usageEvents(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [UsageEvent] {
        var events: [UsageEvent] = []
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for _ in 0..<max(1, Int(timeout / .milliseconds(500))) where events.count < count {
            for message in try await usage.fetch(batch: count - events.count, timeout: .milliseconds(500)) {
                events.append(try decoder.decode(UsageEvent.self, from: Data(message.payload)))
                try message.ack()
            }
        }
        return events
    }
}
