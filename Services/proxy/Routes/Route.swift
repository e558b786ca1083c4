import Contracts
import Foundation
import Messaging

/// A tenant's route: a model name its clients send, and the targets that serve it
/// (docs/routes.md).
struct Route: Sendable, Equatable {
    /// One way to serve the route: a provider, its model, which of the tenant's credentials.
    struct Target: Sendable, Equatable, Hashable {
        let service: ProviderID
        let model: String
        let credential: String
        let weight: Int
        /// `service/model`, as `x-served-by` and the metrics name it (made once: every call uses it).
        let label: String

        init(service: ProviderID, model: String, credential: String, weight: Int) {
            self.service = service
            self.model = model
            self.credential = credential
            self.weight = weight
            label = "\(service.service)/\(model)"
        }

        var json: JSONValue {
            .object([
                "service": .string(service.service), "model": .string(model), "credential": .string(credential),
                "weight": .number(Double(weight)),
            ])
        }
    }

    var id: UUID
    var tenant: UUID
    var name: String
    var strategy: RouteStrategy
    var targets: [Target]
    var retryOn: Set<RouteOutcome>
    var cooldownSeconds: Int
    var createdAt: Date
    var updatedAt: Date

    static let maximumTargets = 16
    static let weights = 1...1000
    static let cooldowns = 0...3600
    static let defaultCooldown = 30
}

extension Route {
    /// A new route of `tenant` from a POST, or `existing` changed by a PATCH; a 400 naming the
    /// field that does not do, or a 422 naming a target whose credential is not stored.
    init(_ write: RouteWrite, tenant: UUID, changing existing: Route?, at now: Date = Date()) throws(ServiceError) {
        let input = write.input
        if existing == nil {
            for (field, value) in [("name", input.name), ("strategy", input.strategy)] where value == nil {
                throw .badRequest("missing field `\(field)`")
            }
            if input.targets == nil { throw .badRequest("missing field `targets`") }
        }
        id = existing?.id ?? UUID.v7()
        self.tenant = tenant
        name = input.name ?? existing?.name ?? ""
        guard RouteName.isValid(name) else {
            throw .badRequest("`name` must be \(RouteName.rule)")
        }
        if let text = input.strategy {
            guard let strategy = RouteStrategy(rawValue: text) else {
                throw .badRequest("`strategy` must be fallback or weighted")
            }
            self.strategy = strategy
        } else {
            strategy = existing?.strategy ?? .fallback
        }
        if let values = input.targets {
            targets = try Self.targets(values, credentials: Set(write.credentials))
        } else {
            targets = existing?.targets ?? []
        }
        if let texts = input.retryOn {
            var outcomes = Set<RouteOutcome>()
            for (index, text) in texts.enumerated() {
                guard let outcome = RouteOutcome(rawValue: text) else {
                    throw .badRequest("`retryOn[\(index)]` must be one of 429, 5xx, timeout, connect")
                }
                outcomes.insert(outcome)
            }
            retryOn = outcomes
        } else {
            retryOn = existing?.retryOn ?? Set(RouteOutcome.allCases)
        }
        cooldownSeconds = input.cooldownSeconds ?? existing?.cooldownSeconds ?? Self.defaultCooldown
        guard Self.cooldowns.contains(cooldownSeconds) else {
            throw .badRequest("`cooldownSeconds` must be an integer from 0 to 3600")
        }
        createdAt = existing?.createdAt ?? now
        updatedAt = now
    }

    /// Reads `targets`: 1 to 16 objects of `service`, `model`, `credential?`, `weight?`, none
    /// repeated, each naming a stored credential.
    private static func targets(_ values: [JSONValue], credentials: Set<String>) throws(ServiceError) -> [Target] {
        guard (1...maximumTargets).contains(values.count) else {
            throw .badRequest("`targets` must hold 1 to \(maximumTargets) targets")
        }
        var targets: [Target] = []
        for (index, value) in values.enumerated() {
            let place = "targets[\(index)]"
            guard case .object(let fields) = value else { throw .badRequest("`\(place)` must be an object") }
            if let unknown = fields.keys.sorted().first(where: {
                !["service", "model", "credential", "weight"].contains($0)
            }) {
                throw .badRequest("unknown field `\(place).\(unknown)`")
            }
            guard case .string(let name)? = fields["service"] else {
                throw .badRequest(
                    fields["service"] == nil
                        ? "missing field `\(place).service`" : "`\(place).service` must be a string")
            }
            guard let service = ProviderID(service: name[...]) else {
                throw .badRequest(
                    "`\(place).service` must be one of \(ProviderID.allCases.map(\.service).joined(separator: ", "))")
            }
            guard case .string(let model)? = fields["model"], !model.isEmpty, UsageEvent.keeps(model: model) else {
                throw .badRequest(
                    fields["model"] == nil
                        ? "missing field `\(place).model`"
                        : "`\(place).model` must be a string of 1 to \(UsageEvent.modelLimit) bytes without control characters"
                )
            }
            var credential = "default"
            if let value = fields["credential"] {
                guard case .string(let text) = value, CredentialName.isValid(text) else {
                    throw .badRequest("`\(place).credential` must be a credential's name: \(CredentialName.rule)")
                }
                credential = text
            }
            var weight = 1
            if let value = fields["weight"] {
                guard case .number(let number) = value, number.rounded() == number,
                    weights.contains(Int(exactly: number) ?? 0)
                else { throw .badRequest("`\(place).weight` must be an integer from 1 to 1000") }
                weight = Int(number)
            }
            let target = Target(service: service, model: model, credential: credential, weight: weight)
            if let earlier = targets.firstIndex(where: {
                $0.service == service && $0.model == model && $0.credential == credential
            }) {
                throw .badRequest("`\(place)` repeats `targets[\(earlier)]`")
            }
            guard credentials.contains("\(service.service)/\(credential)") else {
                throw .unprocessable(
                    "`\(place)` names the \(service.service) credential `\(credential)`, which the tenant has not stored"
                )
            }
            targets.append(target)
        }
        return targets
    }

    /// Targets as stored (`jsonb`), read back; nil for anything else.
    static func targets(stored: JSONValue) -> [Target]? {
        guard case .array(let values) = stored else { return nil }
        var targets: [Target] = []
        for value in values {
            guard case .object(let fields) = value, case .string(let name)? = fields["service"],
                let service = ProviderID(service: name[...]), case .string(let model)? = fields["model"],
                case .string(let credential)? = fields["credential"], case .number(let weight)? = fields["weight"]
            else { return nil }
            targets.append(Target(service: service, model: model, credential: credential, weight: Int(weight)))
        }
        return targets
    }
}

/// A route as the API shows it.
struct RouteRecord: Encodable {
    let route: Route

    struct TargetRecord: Encodable {
        var service: String
        var model: String
        var credential: String
        var weight: Int
    }

    enum CodingKeys: String, CodingKey {
        case id, name, strategy, targets, retryOn, cooldownSeconds, createdAt, updatedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(route.id.lowercasedString, forKey: .id)
        try container.encode(route.name, forKey: .name)
        try container.encode(route.strategy.rawValue, forKey: .strategy)
        try container.encode(
            route.targets.map {
                TargetRecord(service: $0.service.service, model: $0.model, credential: $0.credential, weight: $0.weight)
            }, forKey: .targets)
        try container.encode(RouteOutcome.allCases.filter(route.retryOn.contains).map(\.rawValue), forKey: .retryOn)
        try container.encode(route.cooldownSeconds, forKey: .cooldownSeconds)
        try container.encode(route.createdAt, forKey: .createdAt)
        try container.encode(route.updatedAt, forKey: .updatedAt)
    }
}
