import ServiceKit

/// The usage schema's migrations, in order.
enum UsageMigrations {
    static let all: [any Migration] = [
        CreateEventsAndRollups(), CreateDeletedTenants(), CreateLimits(), AddTranslated(), AddRouteAttempts(),
        CreateLimitExchanges(), AddLedgerExchange(),
    ]
}
