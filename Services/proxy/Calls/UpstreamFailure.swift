import AsyncHTTPClient
import Messaging
import NIOCore
import NIOPosix

/// How a call to a provider failed, told from AsyncHTTPClient's and SwiftNIO's errors, and what
/// the client gets for it.
enum UpstreamFailure {
    /// True when the connection to the provider failed or timed out while being made, or closed
    /// before a request went out: the provider processed nothing, so the call may be retried and
    /// costs nothing. (A refused connection AsyncHTTPClient retries itself until the request's
    /// deadline, then throws its last `IOError`: by then there is no time left to retry in.)
    static func isConnectFailure(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPClientError:
            return error == .connectTimeout || error == .remoteConnectionClosed
        case is NIOConnectionError:
            return true
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return error == .connectPending
        default:
            return false
        }
    }

    /// How a call that threw `error` ended (`responded`: the provider's answer had begun), and
    /// the service error the gateway answers with.
    static func classify(_ error: any Error, responded: Bool) -> (CallProgress.Failure, ServiceError) {
        if let error = error as? ServiceError { return (.beforeSending(status: error.code.httpStatus), error) }
        if let error = error as? HTTPClientError, error == .readTimeout || error == .deadlineExceeded {
            return (.timedOut, ServiceError(.timeout, "the provider did not answer in time", underlying: error))
        }
        if responded && !isConnectFailure(error) {
            return (.broken, ServiceError(.badGateway, "the provider's answer broke off", underlying: error))
        }
        return (.unreachable, ServiceError(.badGateway, "the provider could not be reached", underlying: error))
    }
}
