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
}
