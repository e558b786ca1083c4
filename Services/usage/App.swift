import Contracts
import ServiceKit

/// The usage service: consumes usage events durably, prices and aggregates them, answers usage queries.
@main
struct UsageApp {
    static func main() async {
        await ServiceMain.run(
            .usage,
            description: "Consumes usage events durably, prices and aggregates them, answers usage queries",
            migrations: MigrationRunner(schema: "usage", migrations: UsageMigrations.all),
            configuration: UsageConfiguration.init,
            build: buildUsage)
    }
}
