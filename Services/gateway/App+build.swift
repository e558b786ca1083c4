import Hummingbird
import Logging
import Messaging
import ServiceKit

/// The gateway's parts: its HTTP server (it serves no NATS endpoints but health and discovery).
func buildGateway(_ configuration: GatewayConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    ServiceDefinition(services: [buildApplication(configuration, context)])
}

/// The HTTP application; tests run it with port 0 and read the bound port from `onServerRunning`.
func buildApplication(
    _ configuration: GatewayConfiguration, _ context: ServiceContext,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(configuration, context)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "strongbox"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            context.logger.info("gateway listening", metadata: ["url": "http://\(configuration.host):\(port)"])
            await onServerRunning(port)
        },
        logger: context.logger)
}

func buildRouter(_ configuration: GatewayConfiguration, _ context: ServiceContext) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MetricsMiddleware())
    OperationsController(readiness: Readiness(context: context, timeout: configuration.readinessTimeout))
        .register(on: router)
    return router
}
