import Contracts
import ServiceKit

/// The gateway: the product's only public HTTP surface.
@main
struct GatewayApp {
    static func main() async {
        await ServiceMain.run(
            .gateway,
            description: "Public REST API: authentication, tenants, and routing to the other services",
            migrations: MigrationRunner(schema: "gateway", migrations: GatewayMigrations.all),
            prefersEventLoopTaskExecutor: true,
            configuration: GatewayConfiguration.init,
            build: buildGateway)
    }
}
