import ServiceKit

/// The gateway schema's migrations, in order.
enum GatewayMigrations {
    static let all: [any Migration] = [CreateTenantsAndKeys(), CreateUsersAndSessions()]
}
