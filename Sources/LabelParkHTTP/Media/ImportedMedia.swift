import LabelParkCore
import LabelParkFormats
import LabelParkStore

/// The media an import's tasks reference, checked once the body is read: a task naming an asset the project
/// does not have, or an object its attached storage has not synced, is an invalid line like any other. An
/// object reference (`storage:ID/KEY`) is stored as the `asset:ID` it was synced into. Gold answers, checked
/// line by line without the media, are checked again with it (a gold box must lie inside its image), and so are
/// prefills, read back from the spool (every task may have one).
struct ImportedMedia {
    private let schema: ProjectSchema
    private let fields: [String]
    /// The tasks with gold answers; kept whole until the media are known (gold tasks are a few in a hundred).
    private var golds: [(line: Int, position: Int, data: JSONValue, gold: JSONValue)] = []
    private var assets: [(line: Int, position: Int, asset: AssetID)] = []
    private var objects: [(line: Int, position: Int, field: String, storage: StorageID, key: String)] = []
    /// The spool positions of the tasks with a prefill, ascending, and their lines.
    private var prefilled: [(position: Int, line: Int)] = []
    private let parser = JSONParser()

    /// `nil` for a schema without media fields: nothing to check.
    init?(schema: ProjectSchema) {
        self.schema = schema
        fields = schema.fields.filter { $0.kind.isMedia }.map(\.name)
        guard !fields.isEmpty else { return nil }
    }

    /// Notes the references of a valid task about to be spooled at `position`.
    mutating func note(_ task: ImportedTask, spoolPosition position: Int) {
        guard let data = try? parser.parse(task.dataJSON) else { return }
        if let goldJSON = task.goldJSON, let gold = try? parser.parse(goldJSON) {
            golds.append((task.line, position, data, gold))
        }
        if task.prefillJSON != nil { prefilled.append((position, task.line)) }
        for field in fields {
            guard let text = data[field]?.stringValue else { continue }
            switch MediaReference(text) {
            case .asset(let id): assets.append((task.line, position, AssetID(id)))
            case .storageObject(let storage, let key):
                objects.append((task.line, position, field, StorageID(storage), key))
            case nil: continue
            }
        }
    }

    /// What checking found: the lines naming media the project lacks (with their spool positions), and the
    /// object references to store as assets, by spool position.
    struct Resolution {
        var errors: [LineError] = []
        var positions = Set<Int>()
        var rewrites: [Int: [(field: String, asset: AssetID)]] = [:]
        /// The assets the tasks show, by id, for checking answers against them.
        var known: [AssetID: Asset] = [:]

        mutating func refuse(line: Int, position: Int, _ message: String) {
            guard positions.insert(position).inserted else { return }
            errors.append(LineError(line: line, message: message))
        }
    }

    func resolve(in project: ProjectID, store: any ParkStore, by principal: Principal) async throws -> Resolution {
        var resolution = Resolution()
        var known = try await Self.assets(Array(Set(assets.map(\.asset))), in: project, store, principal)
        for reference in assets where known[reference.asset] == nil {
            resolution.refuse(
                line: reference.line, position: reference.position,
                "asset:\(reference.asset) is not an asset of this project (upload it first)")
        }
        for (storage, references) in Dictionary(grouping: objects, by: \.storage) {
            let synced = try await syncedAssets(
                of: references.map(\.key), in: storage, project: project, store, principal)
            for reference in references {
                if let asset = synced?[reference.key] {
                    resolution.rewrites[reference.position, default: []].append((reference.field, asset))
                } else {
                    resolution.refuse(
                        line: reference.line, position: reference.position,
                        synced == nil
                            ? "storage:\(storage) is not a storage of this project"
                            : "storage:\(storage)/\(reference.key) is not an image a sync of that storage recorded (sync it first)"
                    )
                }
            }
        }
        let rewritten = Set(resolution.rewrites.values.flatMap { $0.map(\.asset) }).subtracting(known.keys)
        known.merge(try await Self.assets(Array(rewritten), in: project, store, principal)) { first, _ in first }
        for entry in golds where !resolution.positions.contains(entry.position) {
            do {
                try schema.validate(
                    result: entry.gold, in: context(entry.data, rewrites: resolution.rewrites[entry.position], known),
                    requireAnswers: false, path: "gold")
            } catch {
                resolution.refuse(line: entry.line, position: entry.position, error.description)
            }
        }
        resolution.known = known
        return resolution
    }

    /// Checks the spooled tasks' prefills against their media (a box must lie inside its image), refusing the
    /// lines whose prefill does not fit.
    func checkPrefills(in spool: ImportSpool, _ resolution: inout Resolution) throws {
        guard !prefilled.isEmpty else { return }
        var next = 0
        try spool.replay(skipping: resolution.positions) { task, position in
            while next < prefilled.count && prefilled[next].position < position { next += 1 }
            guard next < prefilled.count, prefilled[next].position == position,
                let prefill = task.prefillJSON.flatMap({ try? parser.parse($0) }),
                let data = try? parser.parse(task.dataJSON)
            else { return }
            do throws(ValidationError) {
                try schema.validate(
                    result: prefill, in: context(data, rewrites: resolution.rewrites[position], resolution.known),
                    requireAnswers: false, path: "prefill")
            } catch {
                resolution.refuse(line: prefilled[next].line, position: position, error.description)
            }
        }
    }

    /// The project's assets among `ids`, by id.
    private static func assets(
        _ ids: [AssetID], in project: ProjectID, _ store: any ParkStore, _ principal: Principal
    ) async throws -> [AssetID: Asset] {
        var found: [AssetID: Asset] = [:]
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            let batch = Array(ids[start..<min(start + 1_000, ids.count)])
            for asset in try await store.assets(batch, in: project, by: principal) { found[asset.id] = asset }
        }
        return found
    }

    /// What a task's gold answer or prefill is checked against: its data and the size of each image it shows.
    private func context(
        _ data: JSONValue, rewrites: [(field: String, asset: AssetID)]?, _ known: [AssetID: Asset]
    ) -> AnswerContext {
        var media: [String: MediaMetadata] = [:]
        for field in fields {
            var asset = rewrites?.first { $0.field == field }?.asset
            if asset == nil, let text = data[field]?.stringValue, case .asset(let id) = MediaReference(text) {
                asset = AssetID(id)
            }
            guard let asset, let found = known[asset] else { continue }
            media[field] = MediaMetadata(mediaType: found.mediaType, width: found.width, height: found.height)
        }
        return AnswerContext(data: data, media: media)
    }

    /// The assets of `keys` in the project's storage `storage`, or `nil` when the project has no such storage.
    private func syncedAssets(
        of keys: [String], in storage: StorageID, project: ProjectID, _ store: any ParkStore, _ principal: Principal
    ) async throws -> [String: AssetID]? {
        do {
            guard try await store.storage(storage, by: principal).projectID == project else { return nil }
        } catch StoreError.notFound {
            return nil
        }
        let distinct = Array(Set(keys))
        var found: [String: AssetID] = [:]
        for start in stride(from: 0, to: distinct.count, by: 1_000) {
            let batch = Array(distinct[start..<min(start + 1_000, distinct.count)])
            found.merge(try await store.objectAssets(batch, in: storage, by: principal)) { first, _ in first }
        }
        return found
    }

    /// `task` with the fields named in `rewrites` set to their assets' references.
    static func rewritten(_ task: NewTask, _ rewrites: [(field: String, asset: AssetID)]) -> NewTask {
        guard case .object(let members)? = try? JSONParser().parse(task.dataJSON) else { return task }
        var changed = task
        changed.dataJSON =
            JSONValue.object(
                members.map { member in
                    guard let rewrite = rewrites.first(where: { $0.field == member.key }) else { return member }
                    return JSONMember(member.key, .string(MediaReference.asset(rewrite.asset.rawValue).text))
                }
            ).jsonText
        return changed
    }
}
