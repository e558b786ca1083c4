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
            // One ack per stored event: the consumer's connection gathers them into a write per
            // millisecond, not a write each; the endpoints' (the ledger's, queries') writes go at once.
            batchesNatsWrites: true,
            configuration: UsageConfiguration.init,
            build: buildUsage)
    }
}
