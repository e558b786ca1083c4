import Foundation
import Logging

/// Writes one line per event to standard output, for people reading a terminal:
/// `2026-11-26T12:50:37.123Z info gateway: message request.id=… tenant.id=…`.
///
/// Unlike swift-log's `StreamLogHandler`, which renders its metadata into a string whenever a key
/// is set, this renders only when an event is logged: the gateway sets request and trace ids on
/// every request's logger, and most requests log nothing.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = value }
        for (key, value) in event.metadata ?? [:] { fields[key] = value }
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true).year().month().day())
        var line = "\(time) \(event.level.rawValue) \(label): \(event.message)"
        for key in fields.keys.sorted() { line += " \(key)=\(fields[key]!)" }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
