import Foundation
import TestSupport
import Testing

@Suite("make run's environment")
struct LocalRunTests {
    @Test("only the vault gets CRED_ENCRYPT_KEY; only the gateway the admin key and JWT secret")
    func secretsPerService() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strongbox-env-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "STRONGBOX_DATA": directory.path, "STRONGBOX_ENV": directory.appendingPathComponent(".env").path,
        ]
        let script = TestCluster.repositoryRoot.appendingPathComponent("scripts/services.sh").path
        var seen: [String: String] = [:]
        for service in TestCluster.services {
            let process = try ChildProcess(
                "/bin/bash", [script, "env", service], environment: environment, logName: "env")
            #expect(await process.waitForExit(timeout: .seconds(30)) == 0, "\(process.output)")
            seen[service] = process.output
        }
        let generated = try String(contentsOf: directory.appendingPathComponent(".env"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in generated.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        let masterKey = try #require(values["CRED_ENCRYPT_KEY"])
        #expect(masterKey.count == 64)
        for (service, output) in seen {
            #expect(output.contains("CRED_ENCRYPT_KEY=") == (service == "vault"), "\(service)")
            #expect(output.contains(String(masterKey)) == (service == "vault"), "\(service)")
            #expect(output.contains("ADMIN_API_KEY=") == (service == "gateway"), "\(service)")
            #expect(output.contains("JWT_SECRET=") == (service == "gateway"), "\(service)")
            #expect(output.contains("NATS_USER=\(service)"), "\(service) connects as itself")
            let own = try #require(values["NATS_\(service.uppercased())_PASSWORD"])
            #expect(output.contains("NATS_PASSWORD=\(own)"))
            let others = (TestCluster.services.filter { $0 != service } + ["operator"]).compactMap {
                values["NATS_\($0.uppercased())_PASSWORD"]
            }
            #expect(others.count == 5)
            #expect(!others.contains { output.contains($0) }, "\(service) sees no other NATS password")
        }
    }
}
