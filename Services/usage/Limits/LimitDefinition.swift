import Contracts
import Foundation
import Messaging

/// A limit as stored: who and what it covers, its counts, and who owns it.
struct LimitDefinition: Sendable, Equatable {
    enum Owner: String, Sendable { case tenant, platform }

    var id: UUID
    var tenant: UUID
    var name: String?
    var apiKeyId: UUID?
    var userId: UUID?
    var service: String?
    var model: String?
    var window: LimitUnit?
    var requests: Int64?
    var tokens: Int64?
    var period: LimitUnit?
    var budgetMicroUsd: Int64?
    var owner: Owner
    var createdAt: Date
    var updatedAt: Date

    static let maximumCount: Int64 = 1_000_000_000_000_000
    static let nameLimit = 200
}

extension LimitDefinition {
    /// An empty limit of `tenant`, to be filled by ``init(_:changing:)``.
    init(blank tenant: UUID, owner: Owner, at now: Date = Date()) {
        self.init(
            id: UUID.v7(), tenant: tenant, name: nil, apiKeyId: nil, userId: nil, service: nil, model: nil, window: nil,
            requests: nil, tokens: nil, period: nil, budgetMicroUsd: nil, owner: owner, createdAt: now,
            updatedAt: now)
    }

    /// A new limit, or `existing` changed by `input`; a 400/422 naming the field that does not do.
    init(_ input: LimitInput, changing existing: LimitDefinition) throws(ServiceError) {
        self = existing
        func apply<T>(_ field: String, _ value: T?, to target: inout T?) {
            if input.cleared.contains(field) { target = nil } else if let value { target = value }
        }
        apply("name", input.name, to: &name)
        apply("apiKeyId", input.apiKeyId, to: &apiKeyId)
        apply("userId", input.userId, to: &userId)
        apply("service", input.service, to: &service)
        apply("model", input.model, to: &model)
        var windowText = window?.rawValue
        var periodText = period?.rawValue
        apply("window", input.window, to: &windowText)
        apply("period", input.period, to: &periodText)
        apply("requests", input.requests, to: &requests)
        apply("tokens", input.tokens, to: &tokens)
        apply("budgetMicroUsd", input.budgetMicroUsd, to: &budgetMicroUsd)
        window = try Self.unit(windowText, field: "window", among: LimitUnit.windows)
        period = try Self.unit(periodText, field: "period", among: LimitUnit.periods)
        try validate()
    }

    private static func unit(_ text: String?, field: String, among units: [LimitUnit]) throws(ServiceError)
        -> LimitUnit?
    {
        guard let text else { return nil }
        guard let unit = LimitUnit(rawValue: text), units.contains(unit) else {
            throw ServiceError.unprocessable(
                "`\(field)` must be one of \(units.map(\.rawValue).joined(separator: ", "))")
        }
        return unit
    }

    private func validate() throws(ServiceError) {
        if let name, name.isEmpty || name.count > Self.nameLimit {
            throw .unprocessable("`name` must be 1 to \(Self.nameLimit) characters")
        }
        if apiKeyId != nil && userId != nil {
            throw .unprocessable("a limit covers an API key (`apiKeyId`) or a user (`userId`), not both")
        }
        if let service, ProviderID(service: service[...]) == nil {
            throw .unprocessable(
                "`service` must be one of \(ProviderID.allCases.map(\.service).joined(separator: ", "))")
        }
        if let model {
            guard !model.isEmpty, UsageEvent.keeps(model: model) else {
                throw .unprocessable(
                    "`model` must be 1 to \(UsageEvent.modelLimit) bytes without control characters")
            }
            if let slash = model.firstIndex(of: "/") {
                let named = model[..<slash]
                guard ProviderID(service: named) != nil, model.index(after: slash) < model.endIndex else {
                    throw .unprocessable("`model` must be `service/model` with a known service, or a route's name")
                }
                if let service, service != named {
                    throw .unprocessable("`model` names the service \(named), but `service` is \(service)")
                }
            }
        }
        for (field, value) in [("requests", requests), ("tokens", tokens), ("budgetMicroUsd", budgetMicroUsd)] {
            if let value, !(0...Self.maximumCount).contains(value) {
                throw .unprocessable("`\(field)` must be an integer from 0 to \(Self.maximumCount)")
            }
        }
        guard requests != nil || tokens != nil || budgetMicroUsd != nil else {
            throw .unprocessable("a limit needs at least one of `requests`, `tokens` and `budgetMicroUsd`")
        }
        if (requests != nil || tokens != nil) != (window != nil) {
            throw .unprocessable(
                window == nil
                    ? "`window` (minute, hour or day) is required with `requests` or `tokens`"
                    : "`window` goes with `requests` or `tokens`")
        }
        if (budgetMicroUsd != nil) != (period != nil) {
            throw .unprocessable(
                period == nil
                    ? "`period` (day, month or total) is required with `budgetMicroUsd`"
                    : "`period` goes with `budgetMicroUsd`")
        }
    }

    var rule: LimitRule {
        LimitRule(
            id: id, apiKeyId: apiKeyId, userId: userId, service: service, model: model, window: window,
            requests: requests, tokens: tokens, period: period, budgetMicroUsd: budgetMicroUsd)
    }
}

/// A limit as `GET /limits` shows it, with its use in the current window and period. Every
/// field is present (`null` when unset).
struct LimitRecord: Encodable {
    struct Current: Encodable {
        var requests: Int64
        var tokens: Int64
        var spentMicroUsd: Int64
        var resetsAt: Date?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(requests, forKey: .requests)
            try container.encode(tokens, forKey: .tokens)
            try container.encode(spentMicroUsd, forKey: .spentMicroUsd)
            try container.encode(resetsAt, forKey: .resetsAt)
        }

        enum CodingKeys: String, CodingKey { case requests, tokens, spentMicroUsd, resetsAt }
    }

    var limit: LimitDefinition
    var current: Current

    enum CodingKeys: String, CodingKey {
        case id, name, apiKeyId, userId, service, model, window, requests, tokens, period, budgetMicroUsd, owner,
            current, createdAt, updatedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limit.id.lowercasedString, forKey: .id)
        try container.encode(limit.name, forKey: .name)
        try container.encode(limit.apiKeyId?.lowercasedString, forKey: .apiKeyId)
        try container.encode(limit.userId?.lowercasedString, forKey: .userId)
        try container.encode(limit.service, forKey: .service)
        try container.encode(limit.model, forKey: .model)
        try container.encode(limit.window?.rawValue, forKey: .window)
        try container.encode(limit.requests, forKey: .requests)
        try container.encode(limit.tokens, forKey: .tokens)
        try container.encode(limit.period?.rawValue, forKey: .period)
        try container.encode(limit.budgetMicroUsd, forKey: .budgetMicroUsd)
        try container.encode(limit.owner.rawValue, forKey: .owner)
        try container.encode(current, forKey: .current)
        try container.encode(limit.createdAt, forKey: .createdAt)
        try container.encode(limit.updatedAt, forKey: .updatedAt)
    }
}
