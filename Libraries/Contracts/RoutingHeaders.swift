/// Headers that carry routing metadata with every request the gateway sends to a service.
/// Services trust them (only the gateway's NATS user may publish requests) and never
/// authenticate again.
public enum RoutingHeaders {
    public static let requestID = "Request-Id"
    public static let traceParent = "traceparent"
    public static let tenantID = "Tenant-Id"
    public static let principalKind = "Principal-Kind"
    public static let principalID = "Principal-Id"
    public static let principalRole = "Principal-Role"
    /// The id of the resource a get/update/delete is about.
    public static let resourceID = "Resource-Id"
    /// The instance of the calling service (for audit records).
    public static let callerInstance = "Caller-Instance"
}
