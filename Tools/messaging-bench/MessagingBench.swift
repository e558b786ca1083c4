import Foundation
import Logging
import Messaging
import ServiceLifecycle

/// `messaging-bench`: request/reply round trips against an echo responder in another process,
/// through the async Messaging API and, as the baseline, through libnats's blocking request.
///
///     messaging-bench [--seconds N] [--nats-url URL]   run the benchmark, print a table
///     messaging-bench responder --nats-url URL [--delay-ms N]   the echo responder (started by the run)
@main
struct MessagingBench {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "messaging-bench")
        logger.logLevel = .warning
        if arguments.first == "responder" {
            arguments.removeFirst()
            let delay = (try? option("--delay-ms", in: arguments)).flatMap(Int.init).map { Duration.milliseconds($0) }
            try await Responder.run(url: try option("--nats-url", in: arguments), delay: delay, logger: logger)
            return
        }
        let seconds = (try? option("--seconds", in: arguments)).flatMap(Double.init) ?? 5
        try await Runner(seconds: seconds, natsURL: try? option("--nats-url", in: arguments), logger: logger).run()
    }

    static func option(_ name: String, in arguments: [String]) throws -> String {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
            throw BenchError("missing \(name)")
        }
        return arguments[index + 1]
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
