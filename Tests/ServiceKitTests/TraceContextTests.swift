import Contracts
import Testing

@Suite("W3C trace context")
struct TraceContextTests {
    @Test("a valid traceparent parses and its child keeps the trace with a new span")
    func parsesAndContinues() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parsed = try #require(TraceContext(header: header))
        #expect(parsed.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parsed.spanID == "00f067aa0ba902b7")
        #expect(parsed.header == header)
        let child = parsed.child()
        #expect(child.traceID == parsed.traceID && child.flags == "01")
        #expect(child.spanID != parsed.spanID && child.spanID.count == 16)
        #expect(TraceContext(header: child.header) == child)
        // A later version may add fields after a dash.
        #expect(TraceContext(header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra") != nil)
    }

    @Test("malformed values are refused, so the gateway starts a new trace")
    func refusesMalformed() {
        for bad in [
            "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            #expect(TraceContext(header: bad) == nil, "\(bad)")
        }
    }

    @Test("new traces are well-formed and distinct")
    func rootsAreDistinct() {
        let roots = (0..<1000).map { _ in TraceContext.root() }
        #expect(Set(roots.map(\.traceID)).count == 1000)
        #expect(roots.allSatisfy { TraceContext(header: $0.header) == $0 })
    }
}
