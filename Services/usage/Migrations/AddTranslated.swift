import ServiceKit

/// Whether a call was translated between the client's API and the provider's.
struct AddTranslated: SQLMigration {
    let version = 4
    let name = "mark translated calls"
    let statements = ["ALTER TABLE usage.events ADD COLUMN translated BOOLEAN NOT NULL DEFAULT false"]
}
