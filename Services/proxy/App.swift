import Contracts
import ServiceKit

/// The proxy service: calls AI providers with credentials released by the vault.
@main
struct ProxyApp {
    static func main() async {
        await ServiceMain.run(
            .proxy,
            description: "Calls AI providers with credentials released by the vault",
            migrations: MigrationRunner(schema: "proxy", migrations: ProxyMigrations.all),
            configuration: ProxyConfiguration.init,
            build: buildProxy)
    }
}
