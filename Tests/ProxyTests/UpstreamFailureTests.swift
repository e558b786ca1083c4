import AsyncHTTPClient
import Foundation
import Messaging
import NIOCore
import TestSupport
import Testing

@testable import Proxy

@Suite("Upstream failures")
struct UpstreamFailureTests {
    @Test("a provider that refuses connections was unreachable: a 502, and nothing to bill")
    func refused() async throws {
        // A port nobody listens on: bind one, close it, connect there.
        let port = Loopback.freePort()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let error = await #expect(throws: (any Error).self) {
            _ = try await client.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions"), timeout: .milliseconds(300))
        }
        try await client.shutdown()
        let (failure, answer) = UpstreamFailure.classify(try #require(error), responded: false)
        #expect(failure == .unreachable)
        #expect(answer == ServiceError(.badGateway, "the provider could not be reached"))
        var progress = CallProgress()
        progress.sending()
        progress.failed(failure)
        #expect(progress.outcome == .unreachable)
    }

    @Test("errors that mean no connection was made, and ones that do not")
    func connectFailures() {
        #expect(UpstreamFailure.isConnectFailure(HTTPClientError.connectTimeout))
        #expect(UpstreamFailure.isConnectFailure(HTTPClientError.remoteConnectionClosed))
        #expect(UpstreamFailure.isConnectFailure(ChannelError.connectTimeout(.seconds(1))))
        #expect(!UpstreamFailure.isConnectFailure(HTTPClientError.readTimeout))
        #expect(!UpstreamFailure.isConnectFailure(ServiceError.badRequest("x")))
    }

    @Test("a failure after the answer began is a broken answer; a read timeout is a timeout")
    func afterAnswer() {
        let broken = UpstreamFailure.classify(HTTPClientError.remoteConnectionClosed, responded: true)
        #expect(broken.0 == .unreachable, "closed before anything came: as if unreachable")
        let cut = UpstreamFailure.classify(ChannelError.ioOnClosedChannel, responded: true)
        #expect(cut.0 == .broken)
        #expect(cut.1.code == .badGateway)
        let slow = UpstreamFailure.classify(HTTPClientError.readTimeout, responded: true)
        #expect(slow.0 == .timedOut)
        #expect(slow.1.code == .timeout)
        let refused = UpstreamFailure.classify(ServiceError.unprocessable("bad baseUrl"), responded: false)
        #expect(refused.0 == .beforeSending(status: 422))
    }
}
