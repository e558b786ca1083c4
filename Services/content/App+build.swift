import Contracts
import Messaging
import ServiceKit

/// Assembles the content service's endpoints; `main` and the tests call it.
func buildContent(_ configuration: ContentConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    let types = TypeStore(client: context.database, logger: context.logger)
    let items = ItemHandlers(
        types: types, items: ItemStore(client: context.database, logger: context.logger),
        events: ContentEventPublisher(nats: context.nats, logger: context.logger))
    let typeHandlers = TypeHandlers(types: types)
    let routes: [(String, String, @Sendable (ContentRequest) async throws -> Reply)] = [
        ("types.create", ContentSubjects.typesCreate, typeHandlers.create),
        ("types.list", ContentSubjects.typesList, typeHandlers.list),
        ("types.get", ContentSubjects.typesGet, typeHandlers.get),
        ("types.get-by-name", ContentSubjects.typesGetByName, typeHandlers.getByName),
        ("types.update", ContentSubjects.typesUpdate, typeHandlers.update),
        ("types.delete", ContentSubjects.typesDelete, typeHandlers.delete),
        ("items.create", ContentSubjects.itemsCreate, items.create),
        ("items.list", ContentSubjects.itemsList, items.list),
        ("items.get", ContentSubjects.itemsGet, items.get),
        ("items.update", ContentSubjects.itemsUpdate, items.update),
        ("items.delete", ContentSubjects.itemsDelete, items.delete),
        ("items.comments", ContentSubjects.itemsComments, items.comments),
        ("items.reactions", ContentSubjects.itemsReactions, items.reactions),
        ("public.list", ContentSubjects.publicList, items.publicList),
        ("public.get", ContentSubjects.publicGet, items.publicGet),
    ]
    let group = Subjects.queueGroup(.content)
    return ServiceDefinition(
        endpoints: routes.map { name, subject, handler in
            .request(name, subject: subject, queueGroup: group) { message in
                try await handler(try ContentRequest(message))
            }
        },
        tenantTables: ["content.items", "content.types"])
}
