// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "strongbox",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "vault", targets: ["Vault"]),
        .executable(name: "proxy", targets: ["Proxy"]),
        .executable(name: "content", targets: ["Content"]),
        .executable(name: "usage", targets: ["Usage"]),
        .executable(name: "messaging-bench", targets: ["MessagingBench"]),
        .executable(name: "vault-bench", targets: ["VaultBench"]),
        .executable(name: "usage-bench", targets: ["UsageBench"]),
        .executable(name: "schema-bench", targets: ["SchemaBench"]),
        .executable(name: "stand-in-provider", targets: ["StandInProviderMain"]),
        .executable(name: "billing-consumer", targets: ["BillingConsumer"]),
        .executable(name: "chain-floor", targets: ["ChainFloor"]),
        .library(name: "Messaging", targets: ["Messaging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    ],
    targets: [
        // MARK: - Libraries

        .systemLibrary(
            name: "CNats",
            path: "Libraries/CNats",
            pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]
        ),
        .target(
            name: "Messaging",
            dependencies: [
                "CNats",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            path: "Libraries/Messaging",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Contracts",
            dependencies: ["Messaging", .product(name: "Crypto", package: "swift-crypto")],
            path: "Libraries/Contracts",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Translation",
            path: "Libraries/Translation",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "JSONSchema",
            dependencies: ["Contracts"],
            path: "Libraries/JSONSchema",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Messaging",
                "Contracts",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Libraries/ServiceKit",
            swiftSettings: swiftSettings
        ),

        // MARK: - Services

        .executableTarget(
            name: "Gateway",
            dependencies: [
                "ServiceKit",
                "Contracts",
                "Messaging",
                "Translation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/gateway",
            resources: [.copy("Console/assets"), .copy("API/docs")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Vault",
            dependencies: [
                "ServiceKit",
                "Contracts",
                "Messaging",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/vault",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Proxy",
            dependencies: [
                "ServiceKit",
                "Contracts",
                "Messaging",
                "Translation",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/proxy",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Content",
            dependencies: [
                "ServiceKit", "Contracts", "Messaging", "JSONSchema",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/content",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "Usage",
            dependencies: [
                "ServiceKit", "Contracts", "Messaging",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/usage",
            resources: [.copy("Pricing/prices.json")],
            swiftSettings: swiftSettings
        ),

        // MARK: - Tools

        .executableTarget(
            name: "MessagingBench",
            dependencies: [
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Tools/messaging-bench",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "VaultBench",
            dependencies: [
                "Messaging", "Contracts",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/vault-bench",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "UsageBench",
            dependencies: [
                "Messaging", "Contracts", "ServiceKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tools/usage-bench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SchemaBench",
            dependencies: ["JSONSchema", "Contracts"],
            path: "Tools/schema-bench",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "ProviderStandIn",
            dependencies: [
                "Contracts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tools/ProviderStandIn",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BillingConsumer",
            dependencies: ["Messaging", "Contracts", .product(name: "Logging", package: "swift-log")],
            path: "Tools/billing-consumer",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StandInProviderMain",
            dependencies: ["ProviderStandIn", .product(name: "Logging", package: "swift-log")],
            path: "Tools/stand-in-provider",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "ChainFloor",
            dependencies: [
                "Contracts",
                "Messaging",
                "ServiceKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Tools/chain-floor",
            swiftSettings: swiftSettings
        ),

        // MARK: - Tests

        .target(
            name: "TestSupport",
            dependencies: [
                "Messaging",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: [
                "Messaging", "TestSupport", "MessagingBench",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/MessagingTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "ServiceKit", "Messaging", "Contracts", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/ServiceKitTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TranslationTests",
            dependencies: ["Translation"],
            path: "Tests/TranslationTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JSONSchemaTests",
            dependencies: ["JSONSchema", "Contracts"],
            path: "Tests/JSONSchemaTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContractsTests",
            dependencies: ["Contracts", "Messaging"],
            path: "Tests/ContractsTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VaultTests",
            dependencies: [
                "Vault", "Contracts",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/VaultTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProxyTests",
            dependencies: [
                "Proxy", "Contracts", "Messaging", "ServiceKit", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/ProxyTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "UsageTests",
            dependencies: ["Usage", "Contracts", "Messaging", "ServiceKit"],
            path: "Tests/UsageTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContentTests",
            dependencies: ["Content", "Contracts", "Messaging", "JSONSchema"],
            path: "Tests/ContentTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", "Contracts", "Messaging"],
            path: "Tests/GatewayTests",
            swiftSettings: swiftSettings
        ),
        // The product as its users see it: real NATS and PostgreSQL, the services built by their
        // own build functions, HTTP from outside.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Gateway", "TestSupport", "ServiceKit", "Messaging", "Contracts", "ProviderStandIn", "BillingConsumer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: swiftSettings
        ),
    ]
)
