import Logging
import Messaging
import ServiceLifecycle
import TestSupport

/// Runs `services` in a ServiceGroup around `body`, then shuts them down gracefully.
/// `body` starts once every service answers `$SRV.PING` (so its endpoints are subscribed).
func withRunningServices(_ services: [MicroService], _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(
        configuration: .init(services: services.map { .init(service: $0) }, logger: Logger(label: "test.group")))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            for service in services {
                try await waitUntilDiscoverable(service.identity.name, id: service.id, via: service.connection)
            }
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

func withRunningService(_ service: MicroService, _ body: () async throws -> Void) async throws {
    try await withRunningServices([service], body)
}

/// Waits until the instance `id` of service `name` answers `$SRV.PING.<name>.<id>`.
func waitUntilDiscoverable(_ name: String, id: String, via connection: NatsConnection) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while true {
        do {
            _ = try await connection.request("$SRV.PING.\(name).\(id)", timeout: .milliseconds(200))
            return
        } catch let error as NatsError where error.code == .noResponders || error.code == .timeout {
            guard ContinuousClock.now < deadline else { throw TestInfrastructureError("\(name) never answered PING") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
