import Contracts
import Messaging
import ServiceKit

/// Assembles the content service's endpoints; `main` and the tests call it.
func buildContent(_ configuration: ContentConfiguration, _ context: ServiceContext) async throws -> ServiceDefinition {
    let types = TypeStore(client: context.database, logger: context.logger)
    let events = ContentEventPublisher(nats: context.nats, logger: context.logger)
    let items = ItemHandlers(
        types: types, items: ItemStore(client: context.database, logger: context.logger), events: events)
    let typeHandlers = TypeHandlers(types: types, events: events)
    let jetStream = context.nats.jetStream
    try await jetStream.ensureOwnStream(ContactEvents.stream, logger: context.logger)
    try await jetStream.ensureOwnStream(Subjects.mailStream, logger: context.logger)
    let forms = PublicForms(limitPerMinute: configuration.publicFormLimit, logger: context.logger)
    let contact = ContactHandlers(
        store: ContactStore(client: context.database, forms: forms, logger: context.logger), jetStream: jetStream,
        logger: context.logger)
    let mailingList = MailingListHandlers(
        store: SubscriberStore(client: context.database, forms: forms, logger: context.logger),
        tokens: ListTokens(secret: configuration.tokenSecret), jetStream: jetStream, configuration: configuration,
        logger: context.logger)
    let flows = FlowHandlers(store: FlowStore(client: context.database, logger: context.logger))
    let scenes = SceneHandlers(
        store: SceneStore(client: context.database, logger: context.logger),
        events: events)
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
        ("contact.submit", ContentSubjects.contactSubmit, contact.submit),
        ("contact.list", ContentSubjects.contactList, contact.list),
        ("contact.get", ContentSubjects.contactGet, contact.get),
        ("contact.update", ContentSubjects.contactUpdate, contact.update),
        ("mailing-list.subscribe", ContentSubjects.mailingListSubscribe, mailingList.subscribe),
        ("mailing-list.confirm", ContentSubjects.mailingListConfirm, mailingList.confirm),
        ("mailing-list.unsubscribe", ContentSubjects.mailingListUnsubscribe, mailingList.unsubscribe),
        ("mailing-list.list", ContentSubjects.mailingListList, mailingList.list),
        ("mailing-list.export", ContentSubjects.mailingListExport, mailingList.export),
        ("flows.create", ContentSubjects.flowsCreate, flows.create),
        ("flows.list", ContentSubjects.flowsList, flows.list),
        ("flows.get", ContentSubjects.flowsGet, flows.get),
        ("flows.update", ContentSubjects.flowsUpdate, flows.update),
        ("flows.delete", ContentSubjects.flowsDelete, flows.delete),
        ("flows.mutations", ContentSubjects.flowsMutations, flows.mutations),
        ("flows.node-types.create", ContentSubjects.flowNodeTypesCreate, flows.createType),
        ("flows.node-types.list", ContentSubjects.flowNodeTypesList, flows.listTypes),
        ("flows.node-types.delete", ContentSubjects.flowNodeTypesDelete, flows.deleteType),
        ("scenes.create", ContentSubjects.scenesCreate, scenes.create),
        ("scenes.list", ContentSubjects.scenesList, scenes.list),
        ("scenes.get", ContentSubjects.scenesGet, scenes.get),
        ("scenes.update", ContentSubjects.scenesUpdate, scenes.update),
        ("scenes.delete", ContentSubjects.scenesDelete, scenes.delete),
        ("scenes.gltf", ContentSubjects.scenesGLTF, scenes.gltf),
        ("public.scene", ContentSubjects.publicScene, scenes.publicGet),
        ("public.scene-gltf", ContentSubjects.publicSceneGLTF, scenes.publicGLTF),
    ]
    let group = Subjects.queueGroup(.content)
    return ServiceDefinition(
        endpoints: routes.map { name, subject, handler in
            .request(name, subject: subject, queueGroup: group) { message in
                try await handler(try ContentRequest(message))
            }
        },
        tenantTables: [
            "content.items", "content.types", "content.contact_messages", "content.subscribers",
            "content.public_submissions", "content.flow_edges", "content.flow_nodes", "content.flow_charts",
            "content.flow_node_types", "content.scenes",
        ],
        endpointsNeedDatabase: true)
}
