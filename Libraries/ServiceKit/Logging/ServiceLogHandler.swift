import Foundation
import Logging

/// Writes one line per event to standard output, as text for a terminal
/// (`2026-11-26T12:50:37.123Z info gateway: message request.id=… tenant.id=…`) or as one JSON
/// object (`ts`, `level`, `service`, `message`, then the metadata as string fields).
///
/// Metadata is rendered only when an event is logged (swift-log's `StreamLogHandler` renders it
/// whenever a key is set): the gateway sets request and trace ids on every request's logger, and
/// most requests log nothing.
public struct ServiceLogHandler: LogHandler {
    public enum Format: Sendable { case text, json }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format

    public init(
        label: String, level: Logger.Level, format: Format, metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.metadataProvider = metadataProvider
    }

    /// `2026-11-26T12:50:37.123Z`.
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if let line = line(for: event) { FileHandle.standardOutput.write(line) }
    }

    /// The line written for `event`, with its newline.
    func line(for event: LogEvent) -> Data? {
        var fields = metadata
        for (key, value) in metadataProvider?.get() ?? [:] { fields[key] = value }
        for (key, value) in event.metadata ?? [:] { fields[key] = value }
        let time = Date().formatted(Self.timeFormat)
        switch format {
        case .text:
            var text = "\(time) \(event.level.rawValue) \(label): \(event.message)"
            for key in fields.keys.sorted() { text += " \(key)=\(fields[key]!)" }
            return Data((text + "\n").utf8)
        case .json:
            var object = fields.mapValues { "\($0)" }
            object["ts"] = time
            object["level"] = event.level.rawValue
            object["service"] = label
            object["message"] = "\(event.message)"
            return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { $0 + [10] }
        }
    }
}
