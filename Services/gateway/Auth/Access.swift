import Contracts
import HTTPTypes

/// Who may call a route. Every route declares one (see ``API/add(_:_:)``), so the one
/// authorization check runs on every route and a route without a rule cannot exist.
enum Access: Sendable {
    /// Anyone; no credentials needed (login, public content); rate-limited per client address.
    case anonymous
    /// Anyone, without rate limits: probes, scrapes and the API's own documentation.
    case infrastructure
    /// Only the platform admin (`x-admin-key`).
    case platformAdmin
    /// A tenant's API keys and users, under the rules of ``TenantRule``.
    case tenant(TenantRule)

    /// Tenant access: API keys by role (`admin`: every tenant route; `readonly`: GET only;
    /// `proxy`: only routes marked `proxyRoute`), users from `minimumUserRole` up, and the
    /// tenant's `module` (and the user's own module list) must include the route's module.
    struct TenantRule: Sendable {
        var module: Module?
        /// The lowest user role allowed; nil: users may not call the route.
        var minimumUserRole: UserRole?
        /// An AI proxy route (or one a `proxy` key may call).
        var proxyRoute = false
        /// API keys may call the route (false for user-only routes like `/user/settings`).
        var keys = true
        /// `readonly` keys may read the route (false where even reading is for admins: credentials).
        var readonlyKeys = true
    }

    static func tenant(
        module: Module? = nil, users minimumUserRole: UserRole? = nil, proxyRoute: Bool = false, keys: Bool = true,
        readonlyKeys: Bool = true
    ) -> Access {
        .tenant(
            TenantRule(
                module: module, minimumUserRole: minimumUserRole, proxyRoute: proxyRoute, keys: keys,
                readonlyKeys: readonlyKeys))
    }

    /// Checks an authenticated principal against this rule; throws the 403 to answer.
    func authorize(_ principal: Principal, method: HTTPRequest.Method) throws {
        switch (self, principal.kind) {
        case (.anonymous, _), (.infrastructure, _), (.platformAdmin, .platformAdmin):
            return
        case (.platformAdmin, _):
            throw Problem.forbidden("only the platform admin may do this")
        case (.tenant, .platformAdmin):
            throw Problem.forbidden("the platform admin has no tenant; use a tenant API key")
        case (.tenant(let rule), .apiKey(_, let role)):
            guard rule.keys else { throw Problem.forbidden("this route is for signed-in users, not API keys") }
            switch role {
            case .admin:
                break
            case .readonly where !rule.readonlyKeys:
                throw Problem.forbidden("this route needs an admin API key")
            case .readonly where method == .get || method == .head:
                break
            case .readonly:
                throw Problem.forbidden("a readonly API key may only read")
            case .proxy where rule.proxyRoute:
                break
            case .proxy:
                throw Problem.forbidden("a proxy API key may only call the AI proxy routes")
            }
            try rule.checkModule(principal, userModules: nil)
        case (.tenant(let rule), .user(_, let role, _, let modules)):
            guard let minimum = rule.minimumUserRole else {
                throw Problem.forbidden("this route needs a tenant API key")
            }
            guard role >= minimum else { throw Problem.forbidden("this needs the \(minimum.rawValue) role or higher") }
            try rule.checkModule(principal, userModules: modules)
        }
    }
}

extension Access.TenantRule {
    fileprivate func checkModule(_ principal: Principal, userModules: [Module]?) throws {
        guard let module else { return }
        guard principal.tenant?.modules.contains(module) == true else {
            throw Problem.forbidden("the `\(module.rawValue)` module is disabled for this tenant")
        }
        if let userModules, !userModules.contains(module) {
            throw Problem.forbidden("the `\(module.rawValue)` module is not enabled for this user")
        }
    }
}
