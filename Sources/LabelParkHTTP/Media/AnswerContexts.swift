import LabelParkCore
import LabelParkStore

/// Builds what a result is validated against: the task's data and, for schemas with media fields, the
/// media's metadata from the asset catalog (so a question about an image can check its answer against the
/// image's width and height).
struct AnswerContexts: Sendable {
    let store: any ParkStore

    /// The context of a result for a task of `project` whose stored data is `dataJSON`.
    func context(
        for project: Project, dataJSON: String, by principal: Principal
    ) async throws -> AnswerContext {
        let data = Rendering.storedJSON(dataJSON)
        let mediaFields = project.schema.fields.filter { $0.kind.isMedia }
        guard !mediaFields.isEmpty else { return AnswerContext(data: data) }
        var references: [(field: String, asset: AssetID)] = []
        for field in mediaFields {
            guard let text = data[field.name]?.stringValue, case .asset(let id) = MediaReference(text) else { continue }
            references.append((field.name, AssetID(id)))
        }
        let found = try await store.assets(references.map(\.asset), in: project.id, by: principal)
        var media: [String: MediaMetadata] = [:]
        for reference in references {
            guard let asset = found.first(where: { $0.id == reference.asset }) else { continue }
            media[reference.field] = MediaMetadata(mediaType: asset.mediaType, width: asset.width, height: asset.height)
        }
        return AnswerContext(data: data, media: media)
    }
}
