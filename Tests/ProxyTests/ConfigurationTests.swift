import ServiceKit
import Testing

@testable import Proxy

@Suite("Proxy settings")
struct ProxyConfigurationTests {
    @Test("the usage linger defaults to 10 ms; a value out of range or not a number stops the start, naming it")
    func usageLinger() throws {
        #expect(try ProxyConfiguration(Environment([:])).usageLinger == .milliseconds(10))
        #expect(try ProxyConfiguration(Environment(["PROXY_USAGE_LINGER_MS": "0"])).usageLinger == .zero)
        for bad in ["1001", "-1", "ten"] {
            let error = #expect(throws: ConfigurationError.self) {
                try ProxyConfiguration(Environment(["PROXY_USAGE_LINGER_MS": bad]))
            }
            #expect(error?.variable == "PROXY_USAGE_LINGER_MS", "\(bad)")
        }
    }
}
