import Foundation
import Messaging
import Testing

@testable import Contracts

@Suite("Routing between services")
struct RoutingTests {
    static let tenant = UUID()
    static let id = UUID()

    @Test(
        "what the gateway writes, a service reads back as it was, for every kind of caller",
        arguments: [
            Caller.anonymous, .platformAdmin, .apiKey(id: id, role: .proxy), .apiKey(id: id, role: .readonly),
            .user(id: id, role: .moderator),
        ])
    func roundTrip(caller: Caller) throws {
        let routing = Routing(
            requestID: "req-1", trace: .root(), tenant: Self.tenant, caller: caller, resourceID: UUID(),
            callerInstance: "proxy-7")
        #expect(try Routing(headers: routing.headers) == routing)
    }

    @Test("a request with no routing headers is anonymous, names no tenant, and is refused where one is needed")
    func empty() throws {
        let routing = try Routing(headers: [:])
        #expect(routing.caller == .anonymous && routing.tenant == nil && routing.requestID.isEmpty)
        #expect(throws: ServiceError.badRequest("the Tenant-Id header is missing or not a UUID")) {
            try routing.requireTenant()
        }
        #expect(throws: ServiceError.notFound("no such resource")) { try routing.requireResource() }
    }

    @Test(
        "a malformed header is refused, naming the header",
        arguments: [
            (["Tenant-Id": "not-a-uuid"], "Tenant-Id"),
            (["Principal-Kind": "robot"], "Principal-Kind"),
            (["Principal-Kind": "api-key", "Principal-Role": "admin"], "Principal-Id"),
            (["Principal-Kind": "user", "Principal-Id": id.uuidString, "Principal-Role": "root"], "Principal-Role"),
            (["Resource-Id": "7"], "Resource-Id"),
        ] as [([String: String], String)])
    func malformed(fields: [String: String], header: String) {
        var headers = MessageHeaders()
        for (name, value) in fields { headers[name] = value }
        let error = #expect(throws: MalformedHeader.self) { try Routing(headers: headers) }
        #expect(error?.name == header)
        #expect(error?.serviceError.code == .badRequest)
    }

    @Test("a malformed trace starts none instead of failing the request (W3C's rule)")
    func malformedTrace() throws {
        let routing = try Routing(headers: ["traceparent": "00-garbage"])
        #expect(routing.trace == nil)
    }

    @Test("the audit names the caller as kind:id")
    func auditNames() {
        #expect(Caller.apiKey(id: Self.id, role: .admin).auditName == "api-key:\(Self.id.uuidString.lowercased())")
        #expect(Caller.user(id: Self.id, role: .user).auditName == "user:\(Self.id.uuidString.lowercased())")
        #expect(Caller.platformAdmin.auditName == "platform-admin")
        #expect(Caller.anonymous.auditName == nil)
    }
}
