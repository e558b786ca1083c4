import Contracts
import Foundation
import Messaging
import PostgresNIO
import ServiceKit

/// Whether the gateway can serve: NATS connected, its database reachable, and every backing
/// service answering its health request.
struct Readiness: Sendable {
    let context: ServiceContext
    let timeout: Duration

    struct Report: Encodable, Sendable {
        var nats: String
        var database: String
        var services: [String: String]

        var isReady: Bool { nats == "connected" && database == "ok" && services.values.allSatisfy { $0 == "ok" } }

        enum CodingKeys: String, CodingKey { case status, nats, database, services }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(isReady ? "ready" : "not ready", forKey: .status)
            try container.encode(nats, forKey: .nats)
            try container.encode(database, forKey: .database)
            try container.encode(services, forKey: .services)
        }
    }

    func check() async -> Report {
        let nats = context.nats
        let timeout = timeout
        async let database = checkDatabase()
        let services = await withTaskGroup(of: (String, String).self) { group in
            for service in ServiceName.backends {
                group.addTask {
                    do {
                        _ = try await nats.request(Subjects.health(service), timeout: timeout)
                        return (service.rawValue, "ok")
                    } catch let error as NatsError where error.code == .noResponders {
                        return (service.rawValue, "no instance running")
                    } catch let error as NatsError where error.code == .timeout {
                        return (service.rawValue, "not answering")
                    } catch let error as ServiceError {
                        return (service.rawValue, error.message)
                    } catch {
                        return (service.rawValue, "unreachable")
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let state = nats.state
        return Report(
            nats: state == .connected ? "connected" : "\(state)", database: await database, services: services)
    }

    private func checkDatabase() async -> String {
        let database = context.database
        let logger = context.logger
        do {
            try await database.ping(timeout: timeout, logger: logger)
            return "ok"
        } catch {
            return "unavailable"
        }
    }
}
