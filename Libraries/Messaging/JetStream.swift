import CNats
import Foundation

/// JetStream over one ``NatsConnection``: stream and consumer management and publishing go
/// through the JetStream JSON API as async requests; pulling uses libnats's pull subscription.
public struct JetStream: Sendable {
    public let connection: NatsConnection
    public var apiTimeout: Duration

    public init(connection: NatsConnection, apiTimeout: Duration = .seconds(5)) {
        self.connection = connection
        self.apiTimeout = apiTimeout
    }

    // MARK: - Streams and consumers

    /// What ``ensureStream(_:updating:)`` found or did.
    public enum StreamState: Equatable, Sendable {
        case created, current, updated
        /// The stream exists with another configuration, left as it is: changing it is an
        /// operator's step (the services' NATS users may create their streams, never update them).
        case differs(StreamConfig)
    }

    /// Creates the stream if it does not exist; when it exists with other subjects or limits,
    /// updates it if `updating` (an operator's or a test's connection), else leaves it and says
    /// so. Safe to race.
    @discardableResult
    public func ensureStream(_ config: StreamConfig, updating: Bool = false) async throws -> StreamState {
        var config = config
        config.numReplicas = connection.streamReplicas
        switch try await api("STREAM.INFO.\(config.name)", as: StreamInfoResponse.self) {
        case .success(let info):
            if info.config == config { return .current }
            guard updating else { return .differs(info.config) }
            _ = try await api("STREAM.UPDATE.\(config.name)", body: config, as: StreamInfoResponse.self).get()
            return .updated
        case .failure(let error) where error.errCode == JetStreamErrorCode.streamNotFound:
            switch try await api("STREAM.CREATE.\(config.name)", body: config, as: StreamInfoResponse.self) {
            case .success: return .created
            case .failure(let error) where error.errCode == JetStreamErrorCode.streamNameInUse: return .current
            case .failure(let error): throw Self.error(error, "creating stream \(config.name)")
            }
        case .failure(let error):
            throw Self.error(error, "reading stream \(config.name)")
        }
    }

    /// Removes the messages on `subject` (wildcards allowed) from `stream`; returns how many.
    @discardableResult
    public func purge(stream: String, subject: String) async throws -> Int {
        switch try await api("STREAM.PURGE.\(stream)", body: PurgeRequest(filter: subject), as: PurgeResponse.self) {
        case .success(let response): return response.purged
        case .failure(let error) where error.errCode == JetStreamErrorCode.streamNotFound: return 0
        case .failure(let error): throw Self.error(error, "purging \(subject) from stream \(stream)")
        }
    }

    /// Creates the durable consumer if it does not exist. Safe to race.
    public func ensureConsumer(stream: String, _ config: ConsumerConfig) async throws {
        let name = config.durableName
        switch try await api("CONSUMER.INFO.\(stream).\(name)", as: ConsumerInfoResponse.self) {
        case .success:
            return
        case .failure(let error) where error.errCode == JetStreamErrorCode.consumerNotFound:
            let request = CreateConsumerRequest(streamName: stream, config: config)
            switch try await api(
                "CONSUMER.DURABLE.CREATE.\(stream).\(name)", body: request, as: ConsumerInfoResponse.self)
            {
            case .success: return
            case .failure(let error)
            where error.errCode == JetStreamErrorCode.consumerAlreadyExists
                || error.errCode == JetStreamErrorCode.consumerNameExists:
                return
            case .failure(let error): throw Self.error(error, "creating consumer \(name)")
            }
        case .failure(let error):
            throw Self.error(error, "reading consumer \(name)")
        }
    }

    public func deleteStream(_ name: String) async throws {
        if case .failure(let error) = try await api("STREAM.DELETE.\(name)", as: JetStreamAPIResponse.self),
            error.errCode != JetStreamErrorCode.streamNotFound
        {
            throw Self.error(error, "deleting stream \(name)")
        }
    }

    // MARK: - Publishing

    /// Publishes into a stream and waits for the stream's ack. With `messageID` set, the
    /// stream stores the message once per duplicate window, however often it is published.
    @discardableResult
    public func publish(
        _ subject: String, payload: some ContiguousBytes, headers: MessageHeaders = [:], messageID: String? = nil,
        timeout: Duration? = nil
    ) async throws -> PublishAck {
        var headers = headers
        if let messageID { headers["Nats-Msg-Id"] = messageID }
        let reply = try await connection.request(
            subject, payload: payload, headers: headers, timeout: timeout ?? apiTimeout)
        return try Self.ack(reply, subject: subject)
    }

    /// One message to publish with ``publish(_:timeout:)``.
    public struct Publication: Sendable {
        public var subject: String
        public var payload: [UInt8]
        public var messageID: String?

        public init(subject: String, payload: [UInt8], messageID: String? = nil) {
            self.subject = subject
            self.payload = payload
            self.messageID = messageID
        }
    }

    /// Publishes many messages at once and awaits their acks together: each one's ack or error,
    /// in order, as ``publish(_:payload:headers:messageID:timeout:)`` gives them one at a time.
    public func publish(_ batch: [Publication], timeout: Duration? = nil) async -> [Result<PublishAck, any Error>] {
        let outgoing = batch.map { publication in
            NatsConnection.Outgoing(
                subject: publication.subject, payload: publication.payload,
                headers: publication.messageID.map { ["Nats-Msg-Id": $0] } ?? [:])
        }
        let replies = await connection.requests(outgoing, timeout: timeout ?? apiTimeout)
        return zip(batch, replies).map { publication, reply in
            Result { try Self.ack(try reply.get(), subject: publication.subject) }
        }
    }

    /// The ack in a publish's reply, or the error it names.
    private static func ack(_ reply: NatsMessage, subject: String) throws -> PublishAck {
        if let ack = PublishAck(fastParsing: reply.payload) { return ack }
        if let error = try? JSONDecoder().decode(JetStreamAPIResponse.self, from: Data(reply.payload)).error {
            throw Self.error(error, "publishing on \(subject)")
        }
        do {
            return try JSONDecoder().decode(PublishAck.self, from: Data(reply.payload))
        } catch {
            throw NatsError(.jetStream, "publishing on \(subject): unreadable ack")
        }
    }

    // MARK: - Pulling

    /// Binds to an existing durable pull consumer (see ``ensureConsumer(stream:_:)``).
    public func pullConsumer(stream: String, durable: String, subject: String) async throws -> PullConsumer {
        let connection = UncheckedPointer(connection.pointer)
        let handles = try await Blocking.run { () throws -> PullConsumer.Handles in
            var context: OpaquePointer?
            try check(natsConnection_JetStream(&context, connection.value, nil), "opening JetStream")
            guard let context else { throw NatsError(.client, "opening JetStream") }
            var options = jsSubOptions()
            try check(jsSubOptions_Init(&options), "initialising pull options")
            var subscription: OpaquePointer?
            var errorCode = jsErrCode(0)
            let status = stream.withCString { streamName in
                durable.withCString { durableName in
                    options.Stream = streamName
                    options.Consumer = durableName
                    return js_PullSubscribe(&subscription, context, subject, durableName, nil, &options, &errorCode)
                }
            }
            guard status == NATS_OK, let subscription else {
                jsCtx_Destroy(context)
                throw NatsError.status(status, "binding to consumer \(durable) on \(stream) (\(errorCode.rawValue))")
            }
            return PullConsumer.Handles(context: context, subscription: subscription)
        }
        return PullConsumer(handles: handles, connection: self.connection, name: durable)
    }

    // MARK: - API plumbing

    private struct PurgeRequest: Encodable {
        var filter: String
    }

    private struct PurgeResponse: Decodable {
        var purged: Int
    }

    private struct CreateConsumerRequest: Encodable {
        var streamName: String
        var config: ConsumerConfig

        enum CodingKeys: String, CodingKey {
            case streamName = "stream_name"
            case config
        }
    }

    private func api<Response: Decodable>(
        _ operation: String, body: (some Encodable)? = String?.none, as: Response.Type
    ) async throws -> Result<Response, JetStreamAPIError> {
        let payload = try body.map { try JSONEncoder().encode($0) } ?? Data()
        let reply = try await connection.request("$JS.API.\(operation)", payload: payload, timeout: apiTimeout)
        let data = Data(reply.payload)
        if let error = try JSONDecoder().decode(JetStreamAPIResponse.self, from: data).error {
            return .failure(error)
        }
        return .success(try JSONDecoder().decode(Response.self, from: data))
    }

    private static func error(_ error: JetStreamAPIError, _ context: String) -> NatsError {
        NatsError(.jetStream, "\(context): \(error.description ?? "error") (\(error.errCode ?? error.code))")
    }
}

extension JetStreamAPIError: Error {}

extension NatsConnection {
    /// JetStream over this connection.
    public var jetStream: JetStream { JetStream(connection: self) }
}
