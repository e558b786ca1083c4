import ServiceKit

/// The route a call named and which of its attempts an event is (docs/routes.md).
struct AddRouteAttempts: SQLMigration {
    let version = 5
    let name = "mark routed attempts"
    let statements = [
        "ALTER TABLE usage.events ADD COLUMN route TEXT, ADD COLUMN attempt INTEGER"
    ]
}
