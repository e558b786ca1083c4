import CNats

extension NatsConnection {
    /// libnats's own blocking request, for benchmarks only: the baseline the async API is
    /// measured against. Blocks the calling thread; never call it from the cooperative pool.
    package func blockingRequestBaseline(_ subject: String, payload: [UInt8], timeout: Duration) throws(NatsError) {
        var reply: OpaquePointer?
        let status = payload.withUnsafeBytes { bytes in
            natsConnection_Request(
                &reply, pointer, subject, bytes.baseAddress, Int32(bytes.count), timeout.milliseconds)
        }
        if let reply { destroyNative(reply) }
        try check(status, "baseline request on \(subject)")
    }
}
