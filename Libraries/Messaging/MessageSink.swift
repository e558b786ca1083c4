import CNats

/// What a libnats subscription hands its messages to. Retained once for libnats
/// (`Unmanaged.passRetained`) and released by libnats's completion callback.
final class MessageSink: Sendable {
    let deliver: @Sendable (NatsMessage) -> Void
    let complete: @Sendable () -> Void

    init(deliver: @escaping @Sendable (NatsMessage) -> Void, complete: @escaping @Sendable () -> Void) {
        self.deliver = deliver
        self.complete = complete
    }
}

/// libnats message callback: runs on the subscription's delivery thread. Copies the
/// message, destroys the native one (its only owner is this callback), hands the copy on.
func natsMessageCallback(
    _ connection: OpaquePointer?, _ subscription: OpaquePointer?, _ msg: OpaquePointer?,
    _ closure: UnsafeMutableRawPointer?
) {
    guard let msg else { return }
    let message = NatsMessage(copying: msg)
    destroyNative(msg)
    guard let closure else { return }
    Unmanaged<MessageSink>.fromOpaque(closure).takeUnretainedValue().deliver(message)
}

/// libnats completion callback: the subscription is closed and its handler has returned for the last time.
func natsSubscriptionCompleteCallback(_ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    let sink = Unmanaged<MessageSink>.fromOpaque(closure).takeRetainedValue()
    sink.complete()
}
