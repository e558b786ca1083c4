import Contracts
import ServiceKit

/// The vault: the only process that holds the master key; stores and releases provider credentials.
@main
struct VaultApp {
    static func main() async {
        await ServiceMain.run(
            .vault,
            description: "Encrypts, stores and releases provider credentials",
            migrations: MigrationRunner(schema: "vault", migrations: VaultMigrations.all),
            configuration: VaultConfiguration.init,
            build: buildVault)
    }
}
