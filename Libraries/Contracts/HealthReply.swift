/// The reply to `<service>.health`.
public struct HealthReply: Codable, Sendable, Equatable {
    public var service: String
    public var instance: String
    public var version: String
    public var status: String
    public var database: String

    public init(service: String, instance: String, version: String, status: String, database: String) {
        self.service = service
        self.instance = instance
        self.version = version
        self.status = status
        self.database = database
    }
}
