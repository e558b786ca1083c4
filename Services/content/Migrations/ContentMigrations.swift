import ServiceKit

/// The content schema's migrations, in order.
enum ContentMigrations {
    static let all: [any Migration] = [
        CreateTypesAndItems(), CreateContactAndMailingList(), CreateFlows(), CreateScenes(),
    ]
}
