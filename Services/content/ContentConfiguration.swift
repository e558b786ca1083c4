import ServiceKit

/// The content service's own settings.
struct ContentConfiguration: Sendable {
    /// `CONTACT_RATE_LIMIT_PER_MINUTE`: contact submissions and mailing-list sign-ups per client
    /// address and tenant in any minute (default 5).
    var publicFormLimit: Int
    /// `MAILING_LIST_TOKEN_SECRET` (at least 32 characters): signs the confirm and unsubscribe links.
    var tokenSecret: String
    /// `PUBLIC_BASE_URL`: the gateway's address as subscribers reach it, for the links in mails
    /// (default http://127.0.0.1:5860).
    var publicBaseURL: String
    /// `MAILING_LIST_CONFIRM_TTL_HOURS`: how long a confirmation link works (default 168, a week).
    var confirmLifetime: Duration

    init(_ environment: Environment) throws(ConfigurationError) {
        publicFormLimit = try environment.integer("CONTACT_RATE_LIMIT_PER_MINUTE", default: 5, range: 1...10_000)
        tokenSecret = try environment.secret("MAILING_LIST_TOKEN_SECRET", minimumLength: 32)
        var base = environment.optional("PUBLIC_BASE_URL") ?? "http://127.0.0.1:5860"
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw ConfigurationError("PUBLIC_BASE_URL", "must start with http:// or https://")
        }
        publicBaseURL = base
        confirmLifetime = .seconds(
            try environment.integer("MAILING_LIST_CONFIRM_TTL_HOURS", default: 168, range: 1...2160) * 3600)
    }
}
