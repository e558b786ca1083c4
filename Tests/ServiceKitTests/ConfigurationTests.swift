import Messaging
import PostgresNIO
import ServiceKit
import Testing

@Suite("Configuration from the environment")
struct ConfigurationTests {
    @Test("NATS settings: several URLs, credentials, defaults")
    func nats() throws {
        let configuration = try NatsConfiguration.from(
            Environment(["NATS_URL": "nats://a:4222, nats://b:4222", "NATS_USER": "vault", "NATS_PASSWORD": "pw"]),
            name: "vault")
        #expect(configuration.servers == ["nats://a:4222", "nats://b:4222"])
        #expect(configuration.user == "vault")
        #expect(try NatsConfiguration.from(Environment([:]), name: "x").servers == ["nats://127.0.0.1:4222"])
        #expect(throws: ConfigurationError("NATS_URL", "must list nats:// or tls:// URLs, got \"http://x\"")) {
            try NatsConfiguration.from(Environment(["NATS_URL": "http://x"]), name: "x")
        }
        #expect(throws: ConfigurationError("NATS_PASSWORD", "is missing (NATS_USER is set)")) {
            try NatsConfiguration.from(Environment(["NATS_USER": "vault"]), name: "x")
        }
    }

    @Test("DATABASE_URL must be a postgres URL naming a database")
    func database() throws {
        let settings = try DatabaseSettings.from(
            Environment(["DATABASE_URL": "postgres://app:s%40cret@db.internal:6543/strongbox?sslmode=disable"]))
        #expect(settings.configuration.host == "db.internal")
        #expect(settings.configuration.port == 6543)
        #expect(settings.configuration.username == "app")
        #expect(settings.configuration.password == "s@cret")
        #expect(settings.configuration.database == "strongbox")
        #expect(
            settings.configuration.options.keepAliveBehavior == nil,
            "no keep-alive queries: with them the pool sometimes never finishes closing")
        for bad in ["", "mysql://x/y", "postgres://host-only", "postgres://h/db?sslmode=sometimes"] {
            #expect(throws: ConfigurationError.self) { try DatabaseSettings.from(Environment(["DATABASE_URL": bad])) }
        }
        let missing = #expect(throws: ConfigurationError.self) { try DatabaseSettings.from(Environment([:])) }
        #expect(missing?.variable == "DATABASE_URL")
    }

    @Test("typed values name the variable and the accepted range")
    func typedValues() throws {
        let environment = Environment(["PORT": "99999", "FLAG": "maybe", "LEVEL": "loud", "SECRET": "short"])
        #expect(throws: ConfigurationError("PORT", "must be an integer from 0 to 65535, got \"99999\"")) {
            try environment.integer("PORT", default: 1, range: 0...65535)
        }
        #expect(throws: ConfigurationError("FLAG", "must be true or false, got \"maybe\"")) {
            try environment.boolean("FLAG", default: false)
        }
        #expect(throws: ConfigurationError.self) {
            try environment.choice("LEVEL", ["info", "debug"], default: "info")
        }
        #expect(throws: ConfigurationError("SECRET", "must be at least 32 characters")) {
            try environment.secret("SECRET", minimumLength: 32)
        }
        #expect(try environment.integer("ABSENT", default: 7, range: 0...10) == 7)
    }
}
