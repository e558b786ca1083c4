import ServiceLifecycle

/// Keeps a ``NatsConnection`` for the life of a `ServiceGroup`; on graceful shutdown it drains
/// the connection (list it first, so services using it stop before it does).
public struct NatsConnectionService: Service {
    public let connection: NatsConnection

    public init(connection: NatsConnection) {
        self.connection = connection
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await connection.drain()
    }
}
