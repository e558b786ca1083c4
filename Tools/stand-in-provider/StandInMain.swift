import Foundation
import Logging
import ProviderStandIn

/// `stand-in-provider [--port N]`: the stand-in AI provider as a process, for benchmarks. Prints
/// `listening on <port>` once it accepts connections.
@main
struct StandInMain {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let port = arguments.firstIndex(of: "--port").flatMap { Int(arguments[$0 + 1]) } ?? 0
        var logger = Logger(label: "stand-in-provider")
        logger.logLevel = .warning
        try await StandInProvider(chunkDelay: .milliseconds(20), record: false).run(port: port, logger: logger) {
            port in
            FileHandle.standardOutput.write(Data("listening on \(port)\n".utf8))
        }
    }
}
