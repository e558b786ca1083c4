import Foundation
import HTTPTypes
import Messaging
import Testing

@testable import Gateway

@Suite("The edge, unit by unit")
struct EdgeUnitTests {
    @Test("the address the outermost trusted proxy saw; what the client wrote before it is ignored")
    func forwardedClient() {
        #expect(EdgeMiddleware.forwardedClient(["203.0.113.7"], hops: 1) == "203.0.113.7")
        #expect(EdgeMiddleware.forwardedClient(["1.2.3.4, 203.0.113.7"], hops: 1) == "203.0.113.7")
        #expect(EdgeMiddleware.forwardedClient(["1.2.3.4, 203.0.113.7", "10.0.0.2"], hops: 2) == "203.0.113.7")
        #expect(EdgeMiddleware.forwardedClient(["2001:db8::1"], hops: 1) == "2001:db8::1")
        #expect(EdgeMiddleware.forwardedClient([], hops: 1) == nil)
        #expect(EdgeMiddleware.forwardedClient(["203.0.113.7"], hops: 2) == nil, "fewer entries than proxies")
        #expect(EdgeMiddleware.forwardedClient(["evil\r\nheader"], hops: 1) == nil)
    }

    @Test("JSON bodies: application/json and +json types, with parameters, in any case")
    func jsonMediaTypes() {
        for accepted in [
            "application/json", "application/json; charset=utf-8", "Application/JSON", " application/json ",
            "application/problem+json", "application/vnd.api+json;v=1",
        ] {
            #expect(JSONText.isJSONMediaType(accepted), "\(accepted)")
        }
        for refused in [
            nil, "", "text/plain", "application/jsonx", "application/+json", "application/x-www-form-urlencoded",
        ] {
            #expect(!JSONText.isJSONMediaType(refused), "\(String(describing: refused))")
        }
    }

    @Test("a JSON text holds NUL as an escape or a raw byte, not as an escaped backslash")
    func nulCharacters() {
        #expect(JSONText.containsNUL(Array(#"{"a":"\u0000"}"#.utf8)))
        #expect(JSONText.containsNUL([UInt8(ascii: "\""), 0, UInt8(ascii: "\"")]))
        #expect(!JSONText.containsNUL(Array(#"{"a":"\\u0000"}"#.utf8)))
        #expect(!JSONText.containsNUL(Array(#"{"a":"\u0001"}"#.utf8)))
    }

    @Test("a service's error becomes a problem of its kind, with its status and retry time")
    func serviceErrorKinds() {
        let cases: [(ServiceError.Code, String)] = [
            (.badRequest, "bad-request"), (.forbidden, "forbidden"), (.notFound, "not-found"), (.conflict, "conflict"),
            (.unprocessable, "unprocessable"), (.rateLimited, "rate-limited"), (.unavailable, "unavailable"),
            (.timeout, "timeout"), (.badGateway, "bad-gateway"),
        ]
        for (code, kind) in cases { #expect(ProblemMiddleware.kind(of: code) == kind) }
    }

    @Test("a header read without the join answers what HTTPTypes' subscript does: missing, once, repeated, cookies")
    func headerValues() {
        let key = HTTPField.Name("x-api-key")!
        var headers: HTTPFields = [.contentType: "application/json", key: "tnnt_a"]
        #expect(headers.value(key) == "tnnt_a")
        #expect(headers.value(.contentLength) == nil)
        headers.append(HTTPField(name: key, value: "tnnt_b"))
        headers.append(HTTPField(name: .cookie, value: "a=1"))
        headers.append(HTTPField(name: .cookie, value: "b=2"))
        for name in [key, .contentType, .contentLength, .cookie] {
            #expect(headers.value(name) == headers[name], "\(name)")
        }
        #expect(headers.value(key) == "tnnt_a, tnnt_b")
        #expect(headers.value(.cookie) == "a=1; b=2")
    }
}
