import ServiceKit

/// The proxy schema's migrations, in order.
enum ProxyMigrations {
    static let all: [any Migration] = [CreateUsageOutbox(), CreateRoutes()]
}
