import Foundation

/// Typed access to environment variables; every failure names the variable.
public struct Environment: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The value, or nil when unset or empty.
    public func optional(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    public func required(_ name: String) throws(ConfigurationError) -> String {
        guard let value = optional(name) else { throw ConfigurationError(name, "is missing") }
        return value
    }

    /// A secret: required, and at least `minimumLength` characters.
    public func secret(_ name: String, minimumLength: Int) throws(ConfigurationError) -> String {
        let value = try required(name)
        guard value.count >= minimumLength else {
            throw ConfigurationError(name, "must be at least \(minimumLength) characters")
        }
        return value
    }

    public func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigurationError)
        -> Int
    {
        guard let text = optional(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                name, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    public func duration(_ name: String, defaultMilliseconds: Int, range: ClosedRange<Int>) throws(ConfigurationError)
        -> Duration
    {
        .milliseconds(try integer(name, default: defaultMilliseconds, range: range))
    }

    public func boolean(_ name: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let text = optional(name)?.lowercased() else { return defaultValue }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(name, "must be true or false, got \"\(text)\"")
        }
    }

    /// One of `choices` (compared case-insensitively).
    public func choice(_ name: String, _ choices: [String], default defaultValue: String) throws(ConfigurationError)
        -> String
    {
        guard let text = optional(name)?.lowercased() else { return defaultValue }
        guard choices.contains(text) else {
            throw ConfigurationError(name, "must be one of \(choices.joined(separator: ", ")), got \"\(text)\"")
        }
        return text
    }

    /// A comma-separated list (empty items dropped).
    public func list(_ name: String) -> [String] {
        (optional(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
    }
}
