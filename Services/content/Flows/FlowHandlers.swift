import Contracts
import Foundation
import Messaging
import ServiceKit

/// `/flows`, `/flows/mutations` and `/flow-node-types`. Charts belong to the tenant: everyone
/// with the flows module reads and edits them; a chart is deleted by its author, a moderator or
/// an admin. Node types are the tenant's vocabulary: created and deleted by admins.
struct FlowHandlers: Sendable {
    let store: FlowStore

    func create(_ request: ContentRequest) async throws -> Reply {
        let body = try request.body(NewFlowChart.self)
        guard let author = request.caller.author else { throw ServiceError.forbidden("sign in to create charts") }
        try FlowRules.checkChartName(body.name)
        let nodes = try FlowRules.nodes(body.nodes ?? [])
        let edges = try FlowRules.edges(body.edges ?? [], nodeIDs: Set(nodes.map(\.id)))
        let chart = try await store.create(
            tenant: request.tenant, author: author, name: body.name, nodes: nodes, edges: edges)
        return try .json(chart, status: 201)
    }

    func list(_ request: ContentRequest) async throws -> Reply {
        try .json(try await store.list(tenant: request.tenant, page: try request.page()))
    }

    func get(_ request: ContentRequest) async throws -> Reply {
        guard let chart = try await store.get(tenant: request.tenant, id: try request.id()) else {
            throw ServiceError.notFound("no such chart")
        }
        return try .json(chart)
    }

    func update(_ request: ContentRequest) async throws -> Reply {
        let changes = try request.body(FlowChartChanges.self)
        let id = try request.id()
        if let name = changes.name { try FlowRules.checkChartName(name) }
        let nodes = try changes.nodes.map(FlowRules.nodes)
        let edges = try changes.edges.map { try FlowRules.edges($0, nodeIDs: nodes.map { Set($0.map(\.id)) }) }
        let chart = try await store.update(
            tenant: request.tenant, id: id, name: changes.name, nodes: nodes, edges: edges,
            expectedVersion: changes.expectedVersion)
        return try .json(chart)
    }

    func delete(_ request: ContentRequest) async throws -> Reply {
        try await store.delete(tenant: request.tenant, id: try request.id(), caller: request.caller)
        return .status(204)
    }

    /// `POST /flows/mutations`: the batch applied in one transaction, all or nothing.
    func mutations(_ request: ContentRequest) async throws -> Reply {
        let batch = try FlowMutation.parse(request.message.payload)
        let applied = try await FlowMutationBatch(store: store, tenant: request.tenant, caller: request.caller)
            .apply(batch)
        return try .json(applied)
    }

    // MARK: - Node types

    func createType(_ request: ContentRequest) async throws -> Reply {
        let body = try request.body(NewFlowNodeType.self)
        try Self.checkMayManageTypes(request.caller)
        return try .json(try await store.createType(tenant: request.tenant, body), status: 201)
    }

    func listTypes(_ request: ContentRequest) async throws -> Reply {
        try .json(try await store.listTypes(tenant: request.tenant, page: try request.page()))
    }

    func deleteType(_ request: ContentRequest) async throws -> Reply {
        try Self.checkMayManageTypes(request.caller)
        try await store.deleteType(tenant: request.tenant, id: try request.id())
        return .status(204)
    }

    static func checkMayManageTypes(_ caller: Caller) throws {
        guard caller.isAdmin else { throw ServiceError.forbidden("node types are managed by admins") }
    }
}
