import ServiceKit

/// The vault schema's migrations, in order.
enum VaultMigrations {
    static let all: [any Migration] = [CreateCredentials()]
}
