import Contracts

/// The named schemas of the OpenAPI document.
enum Components {
    static let modules = Schema.array(.string(enumeration: Module.allCases.map(\.rawValue)))

    static let author = Schema.object(
        [("kind", .string(enumeration: ["user", "apiKey"])), ("id", .uuid)], required: ["kind", "id"])

    static func page(of item: String) -> Schema {
        .object(
            [("items", .array(.ref(item))), ("nextCursor", .nullable(.string()))], required: ["items", "nextCursor"])
    }

    static let schemas: [String: Schema] = [
        "Problem": .object(
            [
                ("type", .string(format: "uri")), ("title", .string()), ("status", .integer()), ("detail", .string()),
                ("requestId", .string()),
            ], required: ["type", "title", "status", "detail", "requestId"], additional: true,
            description: "An RFC 9457 problem"),
        "Tenant": .object(
            [
                ("id", .uuid), ("name", .string()), ("slug", .string()), ("modules", modules), ("createdAt", .dateTime),
                ("updatedAt", .dateTime),
            ], required: ["id", "name", "slug", "modules", "createdAt", "updatedAt"]),
        "TenantCreated": .object(
            [
                ("id", .uuid), ("name", .string()), ("slug", .string()), ("modules", modules), ("createdAt", .dateTime),
                ("apiKey", .string(description: "The tenant's first admin API key, shown this once")),
            ], required: ["id", "name", "slug", "modules", "createdAt", "apiKey"]),
        "TenantPage": page(of: "Tenant"),
        "NewKey": .object(
            [("apiKey", .string(description: "The new admin API key, shown this once"))], required: ["apiKey"]),
        "APIKey": .object(
            [
                ("id", .uuid), ("name", .string()), ("role", .string(enumeration: KeyRole.allCases.map(\.rawValue))),
                ("prefix", .string(description: "The first characters of the key, to recognise it")),
                ("createdAt", .dateTime),
            ], required: ["id", "name", "role", "prefix", "createdAt"]),
        "APIKeyCreated": .object(
            [
                ("id", .uuid), ("name", .string()), ("role", .string(enumeration: KeyRole.allCases.map(\.rawValue))),
                ("prefix", .string()), ("createdAt", .dateTime), ("key", .string(description: "Shown this once")),
            ], required: ["id", "name", "role", "prefix", "createdAt", "key"]),
        "APIKeyPage": page(of: "APIKey"),
        "User": .object(
            [
                ("id", .uuid), ("email", .string(format: "email")), ("username", .string()),
                ("name", .nullable(.string())),
                ("bio", .nullable(.string())), ("avatarUrl", .nullable(.string(format: "uri"))),
                ("role", .string(enumeration: UserRole.allCases.map(\.rawValue))), ("modules", .nullable(modules)),
                ("createdAt", .dateTime), ("updatedAt", .dateTime),
            ], required: ["id", "email", "username", "role", "createdAt", "updatedAt"]),
        "UserPage": page(of: "User"),
        "Session": .object(
            [
                ("user", .ref("User")), ("accessToken", .string(description: "A JWT, valid for expiresIn seconds")),
                ("refreshToken", .string(description: "Single use: each refresh returns a new one")),
                ("tokenType", .string(enumeration: ["Bearer"])), ("expiresIn", .integer()),
            ], required: ["user", "accessToken", "refreshToken", "tokenType", "expiresIn"]),
        "ConsoleSession": .object(
            [
                ("user", .ref("User")), ("accessToken", .string(description: "A JWT, valid for expiresIn seconds")),
                ("tokenType", .string(enumeration: ["Bearer"])), ("expiresIn", .integer()),
            ], required: ["user", "accessToken", "tokenType", "expiresIn"]),
        "UserSettings": .object(
            [
                ("name", .nullable(.string())), ("bio", .nullable(.string())),
                ("avatarUrl", .nullable(.string(format: "uri"))), ("preferences", .anyObject),
            ], required: ["preferences"]),
        "Me": .object(
            [
                ("kind", .string(enumeration: ["user", "apiKey"])), ("tenant", .ref("TenantRef")),
                ("user", .ref("User")), ("apiKey", .ref("KeyRef")),
            ], required: ["kind", "tenant"]),
        "TenantRef": .object(
            [("id", .uuid), ("slug", .string()), ("modules", modules)], required: ["id", "slug", "modules"]),
        "KeyRef": .object(
            [("id", .uuid), ("role", .string(enumeration: KeyRole.allCases.map(\.rawValue)))], required: ["id", "role"]),
        "Credential": .object(
            [
                ("id", .uuid), ("service", .string()), ("name", .string()), ("meta", .anyObject),
                ("keyPreview", .string(description: "At most the first 3 and last 4 characters")),
                ("keyVersion", .integer(minimum: 1)), ("createdAt", .dateTime), ("updatedAt", .dateTime),
            ], required: ["id", "service", "name", "meta", "keyPreview", "keyVersion", "createdAt", "updatedAt"]),
        "CredentialPage": page(of: "Credential"),
        "Limit": .object(
            [
                ("id", .uuid), ("name", .nullable(.string())), ("apiKeyId", .nullable(.uuid)),
                ("userId", .nullable(.uuid)), ("service", .nullable(.string())), ("model", .nullable(.string())),
                ("window", .nullable(.string(enumeration: LimitUnit.windows.map(\.rawValue)))),
                ("requests", .nullable(.integer(minimum: 0))), ("tokens", .nullable(.integer(minimum: 0))),
                ("period", .nullable(.string(enumeration: LimitUnit.periods.map(\.rawValue)))),
                ("budgetMicroUsd", .nullable(.integer(minimum: 0))),
                ("owner", .string(enumeration: ["tenant", "platform"])),
                (
                    "current",
                    .object(
                        [
                            ("requests", .integer(minimum: 0)), ("tokens", .integer(minimum: 0)),
                            ("spentMicroUsd", .integer(minimum: 0)), ("resetsAt", .nullable(.dateTime)),
                        ], required: ["requests", "tokens", "spentMicroUsd", "resetsAt"])
                ),
                ("createdAt", .dateTime), ("updatedAt", .dateTime),
            ],
            required: [
                "id", "name", "apiKeyId", "userId", "service", "model", "window", "requests", "tokens", "period",
                "budgetMicroUsd", "owner", "current", "createdAt", "updatedAt",
            ]),
        "LimitList": .object([("items", .array(.ref("Limit")))], required: ["items"]),
        "Route": .object(
            [
                ("id", .uuid), ("name", .string()),
                ("strategy", .string(enumeration: RouteStrategy.allCases.map(\.rawValue))),
                (
                    "targets",
                    .array(
                        .object(
                            [
                                ("service", .string()), ("model", .string()), ("credential", .string()),
                                ("weight", .integer(minimum: 1, maximum: 1000)),
                            ], required: ["service", "model", "credential", "weight"]))
                ),
                ("retryOn", .array(.string(enumeration: RouteOutcome.allCases.map(\.rawValue)))),
                ("cooldownSeconds", .integer(minimum: 0, maximum: 3600)),
                ("createdAt", .dateTime), ("updatedAt", .dateTime),
            ],
            required: ["id", "name", "strategy", "targets", "retryOn", "cooldownSeconds", "createdAt", "updatedAt"]),
        "RoutePage": page(of: "Route"),
        "VaultStatus": .object(
            [
                ("currentVersion", .integer(minimum: 1)),
                (
                    "versions",
                    .array(
                        .object(
                            [("version", .integer()), ("credentials", .integer())],
                            required: ["version", "credentials"]))
                ),
                (
                    "rewrap",
                    .object(
                        [
                            ("state", .string(enumeration: ["idle", "running", "done"])), ("done", .integer()),
                            ("total", .integer()),
                        ],
                        required: ["state", "done", "total"])
                ),
            ], required: ["currentVersion", "versions", "rewrap"]),
        "UsageEvent": .object(
            [
                (
                    "event",
                    .object(
                        [
                            ("id", .string()), ("tenantId", .uuid), ("apiKeyId", .uuid), ("userId", .uuid),
                            ("service", .string()),
                            ("model", .string()), ("endpoint", .string()), ("status", .integer()),
                            ("latencyMs", .integer()),
                            ("ttfbMs", .integer()), ("promptTokens", .integer()), ("completionTokens", .integer()),
                            ("totalTokens", .integer()), ("cachedTokens", .integer()), ("estimated", .boolean),
                            ("streamed", .boolean), ("clientDisconnected", .boolean), ("at", .dateTime),
                            ("translated", .boolean), ("route", .string()), ("attempt", .integer(minimum: 1)),
                        ], required: ["id", "service", "endpoint", "status", "at"], additional: true)
                ),
                ("costMicroUsd", .nullable(.integer())), ("priceVersion", .nullable(.string())),
            ], required: ["event"]),
        "UsagePage": page(of: "UsageEvent"),
        "UsageSummary": .object(
            [
                ("items", .array(.object([("key", .string())], required: ["key"], additional: true))),
                ("totals", .anyObject), ("priceVersion", .string()),
            ], required: ["items", "totals", "priceVersion"]),
        "ContentType": .object(
            [
                ("id", .uuid), ("name", .string()), ("description", .nullable(.string())), ("schema", .anyObject),
                ("accessLevel", .string(enumeration: ["user", "elevated", "moderator", "admin"])),
                ("builtin", .boolean), ("version", .integer(minimum: 1)), ("createdAt", .dateTime),
                ("updatedAt", .dateTime),
            ], required: ["id", "name", "schema", "accessLevel", "builtin", "version", "createdAt", "updatedAt"]),
        "ContentTypePage": page(of: "ContentType"),
        "ReactionCounts": .object(
            [
                ("upvote", .integer()), ("downvote", .integer()),
                ("emoji", .object([], additional: true, description: "Count per emoji")), ("total", .integer()),
            ], required: ["upvote", "downvote", "emoji", "total"]),
        "ContentItem": .object(
            [
                ("id", .uuid), ("type", .string()), ("typeId", .uuid), ("title", .nullable(.string())),
                ("slug", .nullable(.string())), ("data", .anyObject),
                ("status", .string(enumeration: ["draft", "published"])), ("publishedAt", .nullable(.dateTime)),
                ("accessType", .string(enumeration: ["public", "private", "unlisted", "restricted"])),
                ("author", .object([("kind", .string(enumeration: ["user", "apiKey"])), ("id", .uuid)])),
                ("parentId", .nullable(.uuid)), ("commentCount", .integer()),
                ("reactionCounts", .ref("ReactionCounts")),
                ("version", .integer(minimum: 1)), ("createdAt", .dateTime), ("updatedAt", .dateTime),
            ],
            required: [
                "id", "type", "typeId", "title", "slug", "data", "status", "publishedAt", "accessType", "author",
                "parentId", "commentCount", "reactionCounts", "version", "createdAt", "updatedAt",
            ]),
        "ContentItemPage": page(of: "ContentItem"),
        "Reactions": .object(
            [
                ("items", .array(.ref("ContentItem"))), ("nextCursor", .nullable(.string())),
                ("counts", .ref("ReactionCounts")),
            ], required: ["items", "nextCursor", "counts"]),
        "PublicContentItem": .object(
            [
                ("id", .uuid), ("type", .string()), ("title", .nullable(.string())), ("slug", .nullable(.string())),
                ("data", .anyObject), ("publishedAt", .dateTime), ("commentCount", .integer()),
                ("reactionCounts", .ref("ReactionCounts")), ("updatedAt", .dateTime),
            ], required: ["id", "type", "data", "publishedAt", "commentCount", "reactionCounts", "updatedAt"]),
        "PublicContentPage": page(of: "PublicContentItem"),
        "ContactMessage": .object(
            [
                ("id", .uuid), ("name", .string()), ("email", .string()), ("subject", .nullable(.string())),
                ("message", .string()), ("category", .nullable(.string())), ("metadata", .nullable(.anyObject)),
                ("status", .string(enumeration: ["new", "read", "replied", "archived"])), ("createdAt", .dateTime),
                ("updatedAt", .dateTime),
            ], required: ["id", "name", "email", "message", "status", "createdAt", "updatedAt"]),
        "ContactMessagePage": page(of: "ContactMessage"),
        "Subscriber": .object(
            [
                ("id", .uuid), ("email", .string()),
                ("status", .string(enumeration: ["pending", "subscribed", "unsubscribed"])),
                ("source", .nullable(.string())), ("metadata", .nullable(.anyObject)), ("createdAt", .dateTime),
                ("confirmedAt", .nullable(.dateTime)), ("unsubscribedAt", .nullable(.dateTime)),
                ("updatedAt", .dateTime),
            ], required: ["id", "email", "status", "createdAt", "updatedAt"]),
        "SubscriberPage": page(of: "Subscriber"),
        "FlowNode": .object(
            [
                ("id", .string(description: "1-128 of A-Z a-z 0-9 _ - . :; unique in the chart")),
                ("type", .string(description: "default, input, output, group or one of the tenant's node types")),
                ("position", .object([("x", .number), ("y", .number)], required: ["x", "y"])),
                ("width", .number), ("height", .number), ("data", .anyObject),
            ], required: ["id", "type", "position", "data"], description: "A React Flow node"),
        "FlowEdge": .object(
            [
                ("id", .string()), ("source", .string(description: "A node of the same chart")),
                ("target", .string(description: "A node of the same chart")), ("sourceHandle", .string()),
                ("targetHandle", .string()), ("type", .string()), ("label", .string()), ("animated", .boolean),
                ("data", .anyObject),
            ], required: ["id", "source", "target"], description: "A React Flow edge"),
        "FlowChart": .object(
            [
                ("id", .uuid), ("name", .string()), ("nodes", .array(.ref("FlowNode"))),
                ("edges", .array(.ref("FlowEdge"))), ("author", author), ("version", .integer(minimum: 1)),
                ("createdAt", .dateTime), ("updatedAt", .dateTime),
            ], required: ["id", "name", "nodes", "edges", "author", "version", "createdAt", "updatedAt"]),
        "FlowChartSummary": .object(
            [
                ("id", .uuid), ("name", .string()), ("nodeCount", .integer()), ("edgeCount", .integer()),
                ("author", author), ("version", .integer(minimum: 1)), ("createdAt", .dateTime),
                ("updatedAt", .dateTime),
            ],
            required: ["id", "name", "nodeCount", "edgeCount", "author", "version", "createdAt", "updatedAt"]),
        "FlowChartPage": page(of: "FlowChartSummary"),
        "FlowNodeType": .object(
            [
                ("id", .uuid), ("name", .string()), ("label", .string()), ("description", .string()),
                ("createdAt", .dateTime),
            ], required: ["id", "name", "createdAt"]),
        "FlowNodeTypePage": page(of: "FlowNodeType"),
        "FlowMutation": .object(
            [
                ("type", .string(enumeration: ["insert", "update", "remove"])),
                ("collection", .string(enumeration: ["flow_chart", "flow_node", "flow_edge", "flow_node_type"])),
                (
                    "key",
                    .string(
                        description:
                            "The chart or node type id (a UUID), or the node or edge id; optional for inserts")
                ),
                (
                    "value",
                    .object(
                        [], additional: true,
                        description:
                            "A node or edge (with chartId), a chart {name} or a node type {name, label?, description?}; for updates the fields to change, for node and edge removals {chartId}"
                    )
                ),
            ], required: ["type", "collection"]),
        "FlowMutationResults": .object(
            [
                ("txid", .integer()),
                (
                    "results",
                    .array(
                        .object(
                            [
                                ("type", .string()), ("collection", .string()), ("key", .string()),
                                ("value", .nullable(.anyObject)),
                            ], required: ["type", "collection", "key", "value"]))
                ),
            ], required: ["txid", "results"]),
        "SceneNode": .object(
            [
                ("id", .string(description: "1-128 of A-Z a-z 0-9 _ - . :; unique in the scene")),
                ("name", .string()), ("parentId", .string(description: "Another node of the scene")),
                ("translation", .array(.number)), ("rotation", .array(.number)), ("scale", .array(.number)),
                (
                    "mesh",
                    .object(
                        [
                            ("uri", .string(format: "uri")),
                            (
                                "material",
                                .object([
                                    ("baseColor", .array(.number)), ("metallic", .number), ("roughness", .number),
                                ])
                            ),
                        ], required: ["uri"])
                ),
                (
                    "camera",
                    .object(
                        [
                            ("type", .string(enumeration: ["perspective", "orthographic"])), ("yfov", .number),
                            ("znear", .number), ("zfar", .number), ("aspectRatio", .number), ("xmag", .number),
                            ("ymag", .number),
                        ], required: ["type", "znear"])
                ),
                (
                    "light",
                    .object(
                        [
                            ("type", .string(enumeration: ["directional", "point", "spot"])),
                            ("color", .array(.number)), ("intensity", .number), ("range", .number),
                            (
                                "spot",
                                .object([("innerConeAngle", .number), ("outerConeAngle", .number)])
                            ),
                        ], required: ["type"])
                ),
                ("extras", .anyObject),
            ], required: ["id", "name"],
            description: "translation[3], rotation[4] (a unit quaternion x, y, z, w) and scale[3]"),
        "Scene": .object(
            [
                ("id", .uuid), ("name", .string()), ("public", .boolean), ("nodes", .array(.ref("SceneNode"))),
                ("author", author), ("version", .integer(minimum: 1)), ("createdAt", .dateTime),
                ("updatedAt", .dateTime),
            ], required: ["id", "name", "public", "nodes", "author", "version", "createdAt", "updatedAt"]),
        "SceneSummary": .object(
            [
                ("id", .uuid), ("name", .string()), ("public", .boolean), ("nodeCount", .integer()),
                ("author", author), ("version", .integer(minimum: 1)), ("createdAt", .dateTime),
                ("updatedAt", .dateTime),
            ], required: ["id", "name", "public", "nodeCount", "author", "version", "createdAt", "updatedAt"]),
        "ScenePage": page(of: "SceneSummary"),
        "PublicScene": .object(
            [("id", .uuid), ("name", .string()), ("nodes", .array(.ref("SceneNode"))), ("updatedAt", .dateTime)],
            required: ["id", "name", "nodes", "updatedAt"]),
        "GLTF": .object(
            [("asset", .object([("version", .string())], required: ["version"], additional: true))],
            required: ["asset"], additional: true, description: "A glTF 2.0 JSON document"),
        "Health": .object([("status", .string())], required: ["status"]),
        "Readiness": .object(
            [
                ("status", .string(enumeration: ["ready", "not ready"])), ("nats", .string()), ("database", .string()),
                ("services", .object([], additional: true)),
            ], required: ["status", "nats", "database", "services"]),
    ]
}
