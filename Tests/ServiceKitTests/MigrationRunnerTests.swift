import Foundation
import Logging
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@Suite("Migration runner")
struct MigrationRunnerTests {
    struct CreateThings: SQLMigration {
        let version = 1
        let name = "create things"
        let statements = ["CREATE TABLE demo.things (id SERIAL PRIMARY KEY, label TEXT NOT NULL)"]
    }

    struct AddColour: SQLMigration {
        let version = 2
        let name = "add colour"
        let statements = [
            "ALTER TABLE demo.things ADD COLUMN colour TEXT", "INSERT INTO demo.things (label) VALUES ('seed')",
        ]
    }

    struct Broken: SQLMigration {
        let version = 3
        let name = "broken"
        let statements = ["ALTER TABLE demo.things ADD COLUMN size INTEGER", "SELECT * FROM demo.does_not_exist"]
    }

    @Test("applies pending migrations in order, once, and records them")
    func appliesOnce() async throws {
        try await withClient { client in
            let runner = MigrationRunner(schema: "demo", migrations: [AddColour(), CreateThings()])
            #expect(try await runner.run(on: client, logger: logger) == [1, 2])
            #expect(try await runner.run(on: client, logger: logger) == [])
            let rows = try await client.query("SELECT version, name FROM demo.schema_migrations ORDER BY version")
            var recorded: [String] = []
            for try await (version, name) in rows.decode((Int, String).self) { recorded.append("\(version) \(name)") }
            #expect(recorded == ["1 create things", "2 add colour"])
            #expect(try await count("SELECT count(*) FROM demo.things", client) == 1)
        }
    }

    @Test("instances starting at once migrate exactly once")
    func concurrentInstances() async throws {
        let url = try await PostgresServer.shared.createDatabase()
        let runner = MigrationRunner(schema: "demo", migrations: [CreateThings(), AddColour()])
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await withClient(url: url) { client in try await runner.run(on: client, logger: logger) }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.filter { $0 == [1, 2] }.count == 1, "one instance applied both: \(applied)")
        #expect(applied.filter(\.isEmpty).count == 4)
        try await withClient(url: url) { client in
            let seeded = try await count("SELECT count(*) FROM demo.things", client)
            #expect(seeded == 1, "the seed row was inserted once")
        }
    }

    @Test("a failing migration leaves nothing behind")
    func failureRollsBack() async throws {
        try await withClient { client in
            try await MigrationRunner(schema: "demo", migrations: [CreateThings()]).run(on: client, logger: logger)
            let runner = MigrationRunner(schema: "demo", migrations: [CreateThings(), AddColour(), Broken()])
            let error = await #expect(throws: MigrationError.self) { try await runner.run(on: client, logger: logger) }
            #expect(
                error?.description
                    == "migration demo 3 (broken) failed: relation \"demo.does_not_exist\" does not exist")
            #expect(try await count("SELECT count(*) FROM demo.schema_migrations", client) == 1)
            #expect(
                try await count(
                    "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'demo' AND column_name = 'colour'",
                    client) == 0)
        }
    }
}

private let logger = Logger(label: "test.migrations")

private func count(_ sql: String, _ client: PostgresClient) async throws -> Int {
    let rows = try await client.query(PostgresQuery(unsafeSQL: sql))
    for try await value in rows.decode(Int.self) { return value }
    return -1
}

/// Runs `body` with a running client on a fresh database (or `url`).
func withClient<T: Sendable>(url: String? = nil, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T
{
    let url = if let url { url } else { try await PostgresServer.shared.createDatabase() }
    let settings = try DatabaseSettings.from(Environment(["DATABASE_URL": url]))
    let client = PostgresClient(configuration: settings.configuration, backgroundLogger: logger)
    return try await client.whileRunning(stopWithin: .seconds(10), logger: logger) { try await body($0) }
}
