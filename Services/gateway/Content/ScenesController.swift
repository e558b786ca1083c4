import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import ServiceKit

/// `/scenes`, `/scenes/{id}/gltf` and the public scene routes (module `scenes`). Users of any
/// role read scenes and edit their name and nodes; the content service lets only a scene's
/// author, moderators and admins make it public or private, or delete it.
struct ScenesController: Sendable {
    let content: PublicContent

    func register(on api: API) {
        let access = Access.tenant(module: .scenes, users: .user)
        let tag = "Scenes"
        let sceneBody: [(String, Schema)] = [
            ("name", .string(description: "1-200 characters")),
            ("public", .boolean),
            ("nodes", .array(.ref("SceneNode"))),
        ]
        let invalid = "A parent that is not in the scene, or a cycle in the hierarchy; the problem names the node"
        api.add(
            Operation(
                method: .post, path: "/scenes", tag: tag, summary: "Create a scene", access: access,
                body: .object(sceneBody, required: ["name"]),
                success: .init(status: 201, description: "Created", schema: .ref("Scene")), errors: [422: invalid])
        ) { request, context in
            try await content.forward(ContentSubjects.scenesCreate, request, context, body: true)
        }
        api.add(
            Operation(
                method: .get, path: "/scenes", tag: tag, summary: "List the tenant's scenes, newest first",
                access: access, query: TenantsController.pageParameters,
                success: .init(status: 200, description: "A page of scenes", schema: .ref("ScenePage")))
        ) { request, context in
            try await content.forward(ContentSubjects.scenesList, request, context)
        }
        api.add(
            Operation(
                method: .get, path: "/scenes/{id}", tag: tag, summary: "Get a scene with its nodes", access: access,
                success: .init(status: 200, description: "The scene", schema: .ref("Scene")))
        ) { request, context in
            try await content.forward(ContentSubjects.scenesGet, request, context, id: true)
        }
        api.add(
            Operation(
                method: .patch, path: "/scenes/{id}", tag: tag,
                summary: "Change a scene's name, public flag or nodes (`nodes` replaces the graph)", access: access,
                body: .object(sceneBody + [("expectedVersion", .integer(minimum: 1))]),
                success: .init(status: 200, description: "Changed", schema: .ref("Scene")),
                errors: [409: "Not at expectedVersion", 422: invalid])
        ) { request, context in
            try await content.forward(ContentSubjects.scenesUpdate, request, context, id: true, body: true)
        }
        api.add(
            Operation(
                method: .delete, path: "/scenes/{id}", tag: tag,
                summary: "Delete a scene (its author, moderators and admins)", access: access,
                success: .init(status: 204, description: "Deleted"))
        ) { request, context in
            try await content.forward(ContentSubjects.scenesDelete, request, context, id: true)
        }
        api.add(
            Operation(
                method: .get, path: "/scenes/{id}/gltf", tag: tag, summary: "The scene as a glTF 2.0 JSON document",
                access: access,
                success: .init(
                    status: 200, description: "A glTF 2.0 document", schema: .ref("GLTF"),
                    contentType: "model/gltf+json"))
        ) { request, context in
            try await content.forward(ContentSubjects.scenesGLTF, request, context, id: true)
        }
        registerPublic(on: api)
    }

    private func registerPublic(on api: API) {
        let tag = "Public"
        let errors = [304: "Not modified (If-None-Match matched the ETag)", 403: "The tenant's scenes module is off"]
        api.add(
            Operation(
                method: .get, path: "/public/{tenantSlug}/scenes/{id}", tag: tag,
                summary: "A public scene (no key; cacheable)", access: .anonymous,
                success: .init(status: 200, description: "The scene", schema: .ref("PublicScene")), errors: errors)
        ) { request, context in
            try await content.serve(
                request, context, module: .scenes, subject: ContentSubjects.publicScene,
                key: try context.parameters.id().lowercasedString)
        }
        api.add(
            Operation(
                method: .get, path: "/public/{tenantSlug}/scenes/{id}/gltf", tag: tag,
                summary: "A public scene as glTF 2.0 (no key; cacheable)", access: .anonymous,
                success: .init(
                    status: 200, description: "A glTF 2.0 document", schema: .ref("GLTF"),
                    contentType: "model/gltf+json"),
                errors: errors)
        ) { request, context in
            try await content.serve(
                request, context, module: .scenes, subject: ContentSubjects.publicSceneGLTF,
                key: try context.parameters.id().lowercasedString)
        }
    }
}
