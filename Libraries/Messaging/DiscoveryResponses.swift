/// The NATS Services API (ADR-32) discovery replies, field for field.
struct PingResponse: Encodable {
    let type = "io.nats.micro.v1.ping_response"
    var name: String
    var id: String
    var version: String
    var metadata: [String: String]
}

struct InfoResponse: Encodable {
    struct Endpoint: Encodable {
        var name: String
        var subject: String
        var queueGroup: String
        var metadata: [String: String]?

        enum CodingKeys: String, CodingKey {
            case name, subject, metadata
            case queueGroup = "queue_group"
        }
    }

    let type = "io.nats.micro.v1.info_response"
    var name: String
    var id: String
    var version: String
    var metadata: [String: String]
    var description: String
    var endpoints: [Endpoint]
}

struct StatsResponse: Encodable {
    struct Endpoint: Encodable {
        var name: String
        var subject: String
        var queueGroup: String
        var numRequests: Int
        var numErrors: Int
        var lastError: String
        var processingTime: Int64
        var averageProcessingTime: Int64

        enum CodingKeys: String, CodingKey {
            case name, subject
            case queueGroup = "queue_group"
            case numRequests = "num_requests"
            case numErrors = "num_errors"
            case lastError = "last_error"
            case processingTime = "processing_time"
            case averageProcessingTime = "average_processing_time"
        }
    }

    let type = "io.nats.micro.v1.stats_response"
    var name: String
    var id: String
    var version: String
    var metadata: [String: String]
    var started: String
    var endpoints: [Endpoint]
}
