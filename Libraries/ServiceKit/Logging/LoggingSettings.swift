import Logging

/// `LOG_LEVEL` (trace ... critical, default info) and `LOG_FORMAT` (text or json, default text).
public struct LoggingSettings: Sendable {
    public var level: Logger.Level
    public var json: Bool

    public static func from(_ environment: Environment) throws(ConfigurationError) -> LoggingSettings {
        let levels = Logger.Level.allCases.map(\.rawValue)
        let level = try environment.choice("LOG_LEVEL", levels, default: "info")
        let format = try environment.choice("LOG_FORMAT", ["text", "json"], default: "text")
        return LoggingSettings(level: Logger.Level(rawValue: level) ?? .info, json: format == "json")
    }

    /// Installs the process-wide log handler. Call once, before the first `Logger` is made.
    public func bootstrap() {
        let level = level
        let format: ServiceLogHandler.Format = json ? .json : .text
        LoggingSystem.bootstrap { label in ServiceLogHandler(label: label, level: level, format: format) }
    }
}
