import CNats
import Logging
import Synchronization

/// Receives libnats's connection callbacks (each on a libnats thread) and keeps what they tell.
final class ConnectionEvents: Sendable {
    struct State {
        var reconnects = 0
        var lastAsyncError: String?
    }

    let logger: Logger
    let state = Mutex(State())
    let closed = OneShot<Void>()
    /// Runs on each disconnect that is not the connection closing (the connection's reply inbox
    /// fails its waiters: what the server sends while the connection is away is lost). It runs on
    /// libnats's one callback thread, which every connection of the process shares: it must not
    /// block or call back into libnats.
    let onDisconnect = Mutex<(@Sendable () -> Void)?>(nil)

    init(logger: Logger) {
        self.logger = logger
    }

    func connected() {
        logger.info("connected to NATS")
    }

    func disconnected(closing: Bool) {
        guard !closing else { return }
        logger.warning("disconnected from NATS")
        onDisconnect.withLock { $0 }?()
    }

    func reconnected() {
        state.withLock { $0.reconnects += 1 }
        logger.info("reconnected to NATS")
    }

    func asyncError(_ text: String, subject: String?) {
        state.withLock { $0.lastAsyncError = text }
        var metadata: Logger.Metadata = [:]
        if let subject { metadata["nats.subject"] = "\(subject)" }
        logger.error("NATS asynchronous error: \(text)", metadata: metadata)
    }

    func didClose() {
        closed.set(())
    }

    /// Returns when the connection has closed (a cancelled task waits too: drain and close
    /// promise a closed connection).
    func waitUntilClosed() async {
        await closed.value()
    }
}

// MARK: - libnats callbacks (top-level, non-capturing)

private func events(_ closure: UnsafeMutableRawPointer?) -> ConnectionEvents? {
    closure.map { Unmanaged<ConnectionEvents>.fromOpaque($0).takeUnretainedValue() }
}

func natsConnectedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    events(closure)?.connected()
}

/// Also made when the connection closes (its status is closed by then): that is not a lost server.
func natsDisconnectedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    events(closure)?.disconnected(
        closing: connection.map { natsConnection_Status($0) == NATS_CONN_STATUS_CLOSED } ?? true)
}

func natsReconnectedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    events(closure)?.reconnected()
}

/// The last callback libnats makes for a connection: it also releases the retain held for libnats.
func natsClosedCallback(_ connection: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    let events = Unmanaged<ConnectionEvents>.fromOpaque(closure).takeRetainedValue()
    events.didClose()
}

func natsErrorCallback(
    _ connection: OpaquePointer?, _ subscription: OpaquePointer?, _ status: natsStatus,
    _ closure: UnsafeMutableRawPointer?
) {
    guard let events = events(closure) else { return }
    var text: UnsafePointer<CChar>?
    if let connection, natsConnection_GetLastError(connection, &text) != NATS_OK, let text {
        events.asyncError(
            String(cString: text), subject: subscription.map { String(cString: natsSubscription_GetSubject($0)) })
    } else {
        events.asyncError(String(cString: natsStatus_GetText(status)), subject: nil)
    }
}
