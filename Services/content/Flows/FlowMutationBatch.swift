import Contracts
import Foundation
import Messaging
import PostgresNIO
import ServiceKit

/// Applies a batch of mutations in one transaction: the first one that fails rolls back all of
/// them, and the error names it (`mutations[3]`). Charts a batch changes get one version more
/// and their limits checked once, at the end.
struct FlowMutationBatch: Sendable {
    let store: FlowStore
    let tenant: UUID
    let caller: Caller

    /// What the batch has seen so far.
    private struct State {
        /// Charts locked by this transaction, with their authors.
        var charts: [UUID: Author] = [:]
        /// Charts created by this batch (version 1 when it commits).
        var created: Set<UUID> = []
        var changed: Set<UUID> = []
        /// The position after each chart's last node and edge, once read (the chart is locked).
        var nextNodeOrd: [UUID: Int] = [:]
        var nextEdgeOrd: [UUID: Int] = [:]
        /// The tenant's node types this batch has found (and share-locked); forgotten when the
        /// batch changes a node type.
        var knownTypes: Set<String> = []
        /// Nodes each chart is known to have (inserted or found by this batch, not removed since).
        var knownNodes: [UUID: Set<String>] = [:]
    }

    func apply(_ batch: [FlowMutation]) async throws -> FlowMutationResults {
        try await store.client.transaction(logger: store.logger) { connection in
            var state = State()
            var results: [FlowMutationResults.Result] = []
            for mutation in batch {
                do {
                    results.append(try await apply(mutation, &state, connection))
                } catch let error as ServiceError {
                    let message =
                        error.message.contains(mutation.path) ? error.message : "\(mutation.path): \(error.message)"
                    throw error.with(message: message)
                } catch  where DatabaseErrors.uniqueViolation(error) != nil {
                    throw ServiceError.conflict("\(mutation.path): `\(mutation.key ?? "")` exists already")
                } catch  where DatabaseErrors.isForeignKeyViolation(error) {
                    throw ServiceError.unprocessable("\(mutation.path): refers to a node that is not in its chart")
                }
            }
            // In one order for every batch (UUID's own), so two batches lock charts alike.
            for chart in state.changed.subtracting(state.created).sorted() {
                try await store.touch(chart, connection)
            }
            for chart in state.changed {
                let counts = try await store.counts(chart: chart, connection)
                guard counts.nodes <= FlowRules.maxNodes, counts.edges <= FlowRules.maxEdges else {
                    throw ServiceError.badRequest(
                        "chart \(chart.lowercasedString) would hold \(counts.nodes) nodes and \(counts.edges) edges; at most \(FlowRules.maxNodes) and \(FlowRules.maxEdges)"
                    )
                }
            }
            return FlowMutationResults(txid: try await store.transactionID(connection), results: results)
        }
    }

    private func apply(_ mutation: FlowMutation, _ state: inout State, _ connection: PostgresConnection) async throws
        -> FlowMutationResults.Result
    {
        if mutation.collection == .nodeType { state.knownTypes = [] }
        return switch mutation.collection {
        case .chart: try await chart(mutation, &state, connection)
        case .node: try await node(mutation, &state, connection)
        case .edge: try await edge(mutation, &state, connection)
        case .nodeType: try await nodeType(mutation, connection)
        }
    }

    private func result(_ mutation: FlowMutation, key: String, _ value: (any Encodable & Sendable)?)
        -> FlowMutationResults.Result
    {
        .init(type: mutation.kind.rawValue, collection: mutation.collection.rawValue, key: key, value: value)
    }

    // MARK: - Charts

    private func chart(_ mutation: FlowMutation, _ state: inout State, _ connection: PostgresConnection) async throws
        -> FlowMutationResults.Result
    {
        switch mutation.kind {
        case .insert:
            let reader = try mutation.reader(allowed: ["name"])
            let name = try reader.requiredString("name")
            try FlowRules.checkChartName(name, field: reader.path("name"))
            guard let author = caller.author else { throw ServiceError.forbidden("sign in to create charts") }
            let id = try mutation.uuidKey() ?? UUID.v7()
            try await store.insertChart(id, tenant: tenant, author: author, name: name, connection)
            state.charts[id] = author
            state.created.insert(id)
            state.nextNodeOrd[id] = 0
            state.nextEdgeOrd[id] = 0
            return result(mutation, key: id.uppercasedString, try await store.chart(id, tenant: tenant, connection))
        case .update:
            let id = try mutation.uuidKey()!
            let reader = try mutation.reader(allowed: ["name"])
            _ = try await lock(id, &state, connection)
            if let name = try reader.string("name") {
                try FlowRules.checkChartName(name, field: reader.path("name"))
                try await store.rename(chart: id, name: name, connection)
            }
            state.changed.insert(id)
            return result(mutation, key: id.uppercasedString, try await store.chart(id, tenant: tenant, connection))
        case .remove:
            let id = try mutation.uuidKey()!
            _ = try mutation.reader(allowed: [])
            let author = try await lock(id, &state, connection)
            try FlowStore.checkMayDelete(caller, author: author, what: "chart")
            try await store.removeChart(id, tenant: tenant, connection)
            state.charts[id] = nil
            state.changed.remove(id)
            state.created.remove(id)
            state.nextNodeOrd[id] = nil
            state.nextEdgeOrd[id] = nil
            state.knownNodes[id] = nil
            return result(mutation, key: id.uppercasedString, nil)
        }
    }

    /// Locks the tenant's chart for the batch; 404 when the tenant has no such chart (or the
    /// batch removed it).
    private func lock(_ id: UUID, _ state: inout State, _ connection: PostgresConnection) async throws -> Author {
        if let author = state.charts[id] { return author }
        guard let chart = try await store.lockChart(id, tenant: tenant, connection) else {
            throw ServiceError.notFound("no chart \(id.lowercasedString)")
        }
        state.charts[id] = chart.author
        return chart.author
    }

    /// The `chartId` of a node or edge mutation, locked.
    private func chartID(_ reader: JSONObjectReader, _ state: inout State, _ connection: PostgresConnection)
        async throws -> UUID
    {
        let text = try reader.requiredString("chartId")
        guard let id = UUID(parsing: text) else {
            throw ServiceError.badRequest("`\(reader.path("chartId"))` must be a UUID")
        }
        _ = try await lock(id, &state, connection)
        state.changed.insert(id)
        return id
    }

    /// The id of a new node or edge: `value.id`, or `key` when `value` has none; both must agree.
    private func newID(_ mutation: FlowMutation) throws -> JSONValue {
        guard var fields = mutation.value?.objectValue else {
            throw ServiceError.badRequest("`\(mutation.path).value` must be an object")
        }
        switch (mutation.key, fields["id"]?.stringValue) {
        case (let key?, nil): fields["id"] = .string(key)
        case (let key?, let id?) where key != id:
            throw ServiceError.badRequest("`\(mutation.path).key` and `\(mutation.path).value.id` differ")
        default: break
        }
        return .object(fields)
    }

    // MARK: - Nodes and edges

    private func node(_ mutation: FlowMutation, _ state: inout State, _ connection: PostgresConnection) async throws
        -> FlowMutationResults.Result
    {
        let path = "\(mutation.path).value"
        switch mutation.kind {
        case .insert:
            let value = try newID(mutation)
            let node = try FlowRules.node(value, path: path, extra: ["chartId"])
            let chart = try await chartID(
                try mutation.reader(allowed: FlowRules.nodeFields.union(["chartId"])), &state, connection)
            try await checkType(node, path: path, &state, connection)
            let ord = try await nextOrd(chart: chart, edges: false, &state, connection)
            guard
                try await store.upsertNodes(
                    [node], tenant: tenant, chart: chart, firstOrd: ord, replacing: false, connection) == 1
            else { throw ServiceError.conflict("`\(path).id`: the chart has a node `\(node.id)` already") }
            state.knownNodes[chart, default: []].insert(node.id)
            return result(mutation, key: node.id, node)
        case .update:
            let key = mutation.key!
            let reader = try mutation.reader(allowed: FlowRules.nodeFields.union(["chartId"]))
            let chart = try await chartID(reader, &state, connection)
            guard var node = try await store.node(key, chart: chart, connection) else {
                throw ServiceError.notFound("the chart has no node `\(key)`")
            }
            if let id = try reader.string("id"), id != key {
                throw ServiceError.badRequest("`\(reader.path("id"))`: a node's id cannot change")
            }
            try FlowRules.apply(reader, to: &node)
            try await checkType(node, path: path, &state, connection)
            try await store.updateNode(node, chart: chart, connection)
            return result(mutation, key: key, node)
        case .remove:
            let key = mutation.key!
            let chart = try await chartID(try mutation.reader(allowed: ["chartId"]), &state, connection)
            guard try await store.removeNode(key, chart: chart, connection) else {
                throw ServiceError.notFound("the chart has no node `\(key)`")
            }
            state.knownNodes[chart]?.remove(key)
            return result(mutation, key: key, nil)
        }
    }

    private func checkType(_ node: FlowNode, path: String, _ state: inout State, _ connection: PostgresConnection)
        async throws
    {
        guard !FlowRules.builtinNodeTypes.contains(node.type), !state.knownTypes.contains(node.type) else { return }
        try await store.checkNodeTypes([node], tenant: tenant, field: { _ in "\(path).type" }, connection)
        state.knownTypes.insert(node.type)
    }

    /// The next position for a node (or edge) of the chart: read once, then counted here.
    private func nextOrd(chart: UUID, edges: Bool, _ state: inout State, _ connection: PostgresConnection)
        async throws -> Int
    {
        let ord: Int
        if let known = edges ? state.nextEdgeOrd[chart] : state.nextNodeOrd[chart] {
            ord = known
        } else {
            ord = try await store.nextOrd(chart: chart, edges: edges, connection)
        }
        if edges { state.nextEdgeOrd[chart] = ord + 1 } else { state.nextNodeOrd[chart] = ord + 1 }
        return ord
    }

    private func edge(_ mutation: FlowMutation, _ state: inout State, _ connection: PostgresConnection) async throws
        -> FlowMutationResults.Result
    {
        let path = "\(mutation.path).value"
        let allowed = FlowRules.edgeFields.union(["chartId"])
        switch mutation.kind {
        case .insert:
            let edge = try FlowRules.edge(try newID(mutation), path: path, extra: ["chartId"])
            let chart = try await chartID(try mutation.reader(allowed: allowed), &state, connection)
            try await checkEndpoints(edge, chart: chart, path: path, &state, connection)
            let ord = try await nextOrd(chart: chart, edges: true, &state, connection)
            guard
                try await store.insertEdges(
                    [edge], tenant: tenant, chart: chart, firstOrd: ord, replacing: false, connection) == 1
            else { throw ServiceError.conflict("`\(path).id`: the chart has an edge `\(edge.id)` already") }
            return result(mutation, key: edge.id, edge)
        case .update:
            let key = mutation.key!
            let reader = try mutation.reader(allowed: allowed)
            let chart = try await chartID(reader, &state, connection)
            guard var edge = try await store.edge(key, chart: chart, connection) else {
                throw ServiceError.notFound("the chart has no edge `\(key)`")
            }
            if let id = try reader.string("id"), id != key {
                throw ServiceError.badRequest("`\(reader.path("id"))`: an edge's id cannot change")
            }
            try FlowRules.apply(reader, to: &edge)
            try await checkEndpoints(edge, chart: chart, path: path, &state, connection)
            try await store.updateEdge(edge, chart: chart, connection)
            return result(mutation, key: key, edge)
        case .remove:
            let key = mutation.key!
            let chart = try await chartID(try mutation.reader(allowed: ["chartId"]), &state, connection)
            guard try await store.removeEdge(key, chart: chart, connection) else {
                throw ServiceError.notFound("the chart has no edge `\(key)`")
            }
            return result(mutation, key: key, nil)
        }
    }

    private func checkEndpoints(
        _ edge: FlowEdge, chart: UUID, path: String, _ state: inout State, _ connection: PostgresConnection
    ) async throws {
        let unknown = [edge.source, edge.target].filter { !state.knownNodes[chart, default: []].contains($0) }
        if !unknown.isEmpty {
            state.knownNodes[chart, default: []].formUnion(
                try await store.existingNodes(unknown, chart: chart, connection))
        }
        let existing = state.knownNodes[chart, default: []]
        for (field, node) in [("source", edge.source), ("target", edge.target)] where !existing.contains(node) {
            throw ServiceError.unprocessable(
                "`\(path).\(field)`: `\(node)` is not a node of chart \(chart.lowercasedString); an edge joins nodes of its own chart"
            )
        }
    }

    // MARK: - Node types

    private func nodeType(_ mutation: FlowMutation, _ connection: PostgresConnection) async throws
        -> FlowMutationResults.Result
    {
        try FlowHandlers.checkMayManageTypes(caller)
        switch mutation.kind {
        case .insert:
            let reader = try mutation.reader(allowed: NewFlowNodeType.fields)
            let body = NewFlowNodeType(
                name: try reader.requiredString("name"), label: try reader.string("label"),
                description: try reader.string("description"))
            let type = try await store.insertType(
                tenant: tenant, id: try mutation.uuidKey() ?? UUID.v7(), body, connection)
            return result(mutation, key: type.id.uppercasedString, type)
        case .update:
            let id = try mutation.uuidKey()!
            let reader = try mutation.reader(allowed: ["name", "label", "description"])
            if reader.has("name") {
                throw ServiceError.badRequest(
                    "`\(reader.path("name"))`: a node type's name cannot change; nodes refer to it")
            }
            let label = try reader.string("label")
            if let label { try ClientID.checkName(label, field: reader.path("label")) }
            let description = try reader.string("description")
            if let description, description.count > 2_000 {
                throw ServiceError.badRequest("`\(reader.path("description"))` must be at most 2000 characters")
            }
            guard
                let type = try await store.updateType(
                    tenant: tenant, id: id, label: label, description: description, connection)
            else { throw ServiceError.notFound("no such node type") }
            return result(mutation, key: id.uppercasedString, type)
        case .remove:
            let id = try mutation.uuidKey()!
            try await store.removeType(tenant: tenant, id: id, connection)
            return result(mutation, key: id.uppercasedString, nil)
        }
    }
}
