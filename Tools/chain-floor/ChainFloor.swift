import AsyncHTTPClient
import Contracts
import Foundation
import Hummingbird
import Logging
import Messaging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceKit
import ServiceLifecycle
import UnixSignals

/// `chain-floor`: the least the product's architecture can do for a proxied call, as a baseline
/// for `make bench`. Two processes and the same parts as the real chain: an HTTP front (Hummingbird)
/// that sends the body over NATS (the Messaging library on libnats) to a back end, which posts it
/// to the provider with AsyncHTTPClient and replies with the answer. No authentication, no
/// credential, no usage event, no logging: what is left is the floor.
///
///     chain-floor front --nats-url URL --user U --password P --port N [--streamed]
///     chain-floor back  --nats-url URL --user U --password P --upstream URL
///
/// With `--streamed` the front asks with the streamed-reply protocol the gateway uses for every
/// proxied call (`streamRequest`/`respondStream`), to measure what that protocol costs; a
/// request with `"stream":true` is then streamed as the gateway and the proxy stream it (each
/// chunk of the provider's answer one message, written to the client as it comes), for the time
/// to a stream's first event.
@main
struct ChainFloor {
    static let subject = "floor.call"
    static let streamSubject = "floor.call.stream"

    static func main() async throws {
        // As the services do (ServiceMain): tasks on NIO's event loops.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        guard let role = arguments.first, let url = option("--nats-url"), let user = option("--user"),
            let password = option("--password"),
            let target = role == "front" ? option("--port") : role == "back" ? option("--upstream") : nil
        else {
            print(
                "usage: chain-floor front|back --nats-url URL --user U --password P (--port N [--streamed] | --upstream URL)"
            )
            exit(2)
        }
        var logger = Logger(label: "chain-floor")
        logger.logLevel = .warning
        let nats = try await NatsConnection.connect(
            NatsConfiguration(servers: [url], user: user, password: password, name: "floor-\(role)"), logger: logger)
        let service: any Service =
            role == "front"
            ? front(nats: nats, port: Int(target) ?? 0, streamed: arguments.contains("--streamed"), logger: logger)
            : back(nats: nats, upstream: target, logger: logger)
        let group = ServiceGroup(
            services: [NatsConnectionService(connection: nats), service], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // The front, like the gateway, prefers the event loops as its tasks' executor; the back end, like the proxy, does not.
        try await withTaskExecutorPreference(role == "front" ? EventLoopTaskExecutor.shared : nil) {
            try await group.run()
        }
    }

    /// `POST /v1/chat/completions`: the body to the back end over NATS, its answer back.
    static func front(nats: NatsConnection, port: Int, streamed: Bool, logger: Logger) -> some Service {
        let router = Router()
        router.post("/v1/chat/completions") { request, context -> Response in
            let payload = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            guard streamed else {
                let answer = try await nats.request(subject, payload: payload, timeout: .seconds(30)).payload
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: answer)))
            }
            let reply = try await nats.streamRequest(
                streamSubject, payload: payload, firstTimeout: .seconds(30), idleTimeout: .seconds(30))
            if reply.head.isEndOfStream {
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: reply.head.payload)))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    for try await message in reply where !message.payload.isEmpty {
                        try await writer.write(ByteBuffer(bytes: message.payload))
                    }
                    try await writer.finish(nil)
                })
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    }

    /// Serves `floor.call`: posts the payload to the provider, replies with its body.
    static func back(nats: NatsConnection, upstream: String, logger: Logger) -> some Service {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        configuration.decompression = .disabled
        configuration.tracing.tracer = nil
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let url = upstream + "/v1/chat/completions"
        @Sendable func send(_ payload: [UInt8]) async throws -> HTTPClientResponse {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: payload))
            return try await client.execute(request, timeout: .seconds(30), logger: logger)
        }
        @Sendable func call(_ payload: [UInt8]) async throws -> [UInt8] {
            Array(try await send(payload).body.collect(upTo: 8 << 20).readableBytesView)
        }
        return MicroService(
            connection: nats,
            identity: .init(name: "floor", version: "1.0.0", description: "the chain's floor, for make bench"),
            endpoints: [
                .request("call", subject: subject, queueGroup: "floor", maxConcurrency: 1024) { message in
                    Reply(payload: try await call(message.payload))
                },
                .stream("call-stream", subject: streamSubject, queueGroup: "floor", maxConcurrency: 1024) {
                    message, writer in
                    // The proxy's byte search, not `firstRange(of:)` (generic, a table built per search).
                    guard message.payload.contains(utf8: #""stream":true"#) else {
                        try writer.finish(try await call(message.payload))
                        return
                    }
                    for try await chunk in try await send(message.payload).body {
                        try writer.send(Array(chunk.readableBytesView))
                    }
                    try writer.finish()
                },
            ],
            logger: logger)
    }
}
