import Contracts
import ServiceKit

/// The content service: content types and content, 2D flows, 3D scenes, contact form and mailing list.
@main
struct ContentApp {
    static func main() async {
        await ServiceMain.run(
            .content,
            description: "Content types and content, 2D flows, 3D scenes, contact form and mailing list",
            migrations: MigrationRunner(schema: "content", migrations: ContentMigrations.all),
            configuration: ContentConfiguration.init,
            build: buildContent)
    }
}
