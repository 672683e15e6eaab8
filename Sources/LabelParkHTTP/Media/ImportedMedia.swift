import LabelParkCore
import LabelParkFormats
import LabelParkStore

/// The media an import's tasks reference, checked against the project's assets once the body is read: a task
/// naming an asset the project does not have is an invalid line, like any other.
struct ImportedMedia {
    private let fields: [String]
    private var references: [(line: Int, spoolPosition: Int, asset: AssetID)] = []
    private let parser = JSONParser()

    /// `nil` for a schema without media fields: nothing to check.
    init?(schema: ProjectSchema) {
        fields = schema.fields.filter { $0.kind.isMedia }.map(\.name)
        guard !fields.isEmpty else { return nil }
    }

    /// Notes the references of a valid task about to be spooled at `spoolPosition`.
    mutating func note(_ task: ImportedTask, spoolPosition: Int) {
        guard let data = try? parser.parse(task.dataJSON) else { return }
        for field in fields {
            guard let text = data[field]?.stringValue, case .asset(let id) = MediaReference(text) else { continue }
            references.append((task.line, spoolPosition, AssetID(id)))
        }
    }

    /// The lines naming assets the project lacks, and their spool positions.
    func missing(
        in project: ProjectID, store: any ParkStore, by principal: Principal
    ) async throws -> (errors: [LineError], positions: Set<Int>) {
        let distinct = Array(Set(references.map(\.asset)))
        var known = Set<AssetID>()
        for start in stride(from: 0, to: distinct.count, by: 1_000) {
            let batch = Array(distinct[start..<min(start + 1_000, distinct.count)])
            for asset in try await store.assets(batch, in: project, by: principal) { known.insert(asset.id) }
        }
        var errors: [LineError] = []
        var positions = Set<Int>()
        for reference in references where !known.contains(reference.asset) {
            guard positions.insert(reference.spoolPosition).inserted else { continue }
            errors.append(
                LineError(
                    line: reference.line,
                    message: "asset:\(reference.asset) is not an asset of this project (upload it first)"))
        }
        return (errors, positions)
    }
}
