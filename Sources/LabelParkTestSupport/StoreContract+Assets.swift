import LabelParkCore
import LabelParkStore
import Testing

/// Contract checks of the asset catalog: one record per project and bytes, tenancy, quotas and tile states.
extension StoreContract {
    static let assetChecks: [(name: String, run: @Sendable (StoreFactory) async throws -> Void)] = [
        ("the same bytes twice in a project are one asset; managers upload, others of the park see nothing", assets),
        ("an organization's assets stay within its quota", assetQuota),
        ("tile generation is listed while pending and recorded when done", assetTiles),
    ]

    static func newAsset(_ digit: Character, bytes: Int64 = 1_000, tiles: TileState = .none) -> NewAsset {
        NewAsset(
            sha256: String(repeating: digit, count: 64), mediaType: "image/png", byteCount: bytes, width: 640,
            height: 480, tiles: tiles)
    }

    public static func assets(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0)
        let other = try await park.makeProject(tasks: 0, name: "Other")
        let (first, isNew) = try await store.recordAsset(
            newAsset("a"), in: project.id, quotaBytes: nil, by: park.managerA)
        #expect(isNew && first.projectID == project.id && first.organizationID == park.clientA.id)
        #expect(first.width == 640 && first.height == 480 && first.mediaType == "image/png" && first.tiles == .none)
        let (again, againIsNew) = try await store.recordAsset(
            newAsset("a"), in: project.id, quotaBytes: nil, by: park.managerA)
        #expect(!againIsNew && again == first)
        // Another project of the same client gets its own record of the same bytes.
        let (copy, copyIsNew) = try await store.recordAsset(
            newAsset("a"), in: other.id, quotaBytes: nil, by: park.managerA)
        #expect(copyIsNew && copy.id != first.id && copy.sha256 == first.sha256)

        await expectStoreError(.forbidden("only the project's managers upload media")) {
            _ = try await store.recordAsset(newAsset("b"), in: project.id, quotaBytes: nil, by: park.annotatorA)
        }
        await expectStoreError(.notFound(.project)) {
            _ = try await store.recordAsset(newAsset("b"), in: project.id, quotaBytes: nil, by: park.managerB)
        }
        #expect(try await store.asset(first.id, by: park.annotatorA) == first)
        await expectStoreError(.notFound(.asset)) { _ = try await store.asset(first.id, by: park.managerB) }
        await expectStoreError(.notFound(.asset)) { _ = try await store.asset(first.id, by: park.vendorAnnotator) }
        await expectStoreError(.notFound(.asset)) { _ = try await store.asset(AssetID(999_999), by: park.managerA) }
        try await store.grantProject(project.id, to: park.vendor.id, by: park.managerA)
        #expect(try await store.asset(first.id, by: park.vendorAnnotator) == first)
        await expectStoreError(.notFound(.asset)) { _ = try await store.asset(copy.id, by: park.vendorAnnotator) }

        // Looking up a task's assets names only the project's own.
        let found = try await store.assets([first.id, copy.id, AssetID(999_999)], in: project.id, by: park.annotatorA)
        #expect(found == [first])
        #expect(try await store.assets([], in: project.id, by: park.annotatorA).isEmpty)
        #expect(try await store.assetBytes(of: park.clientA.id) == 2_000)
        #expect(try await store.assetBytes(of: park.clientB.id) == 0)
    }

    public static func assetQuota(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0)
        _ = try await store.recordAsset(newAsset("a", bytes: 600), in: project.id, quotaBytes: 1_000, by: park.managerA)
        await expectStoreError(.conflict(.quotaExceeded(usedBytes: 600, quotaBytes: 1_000))) {
            _ = try await store.recordAsset(
                newAsset("b", bytes: 401), in: project.id, quotaBytes: 1_000, by: park.managerA)
        }
        // Bytes the project already has cost nothing, even at the quota.
        _ = try await store.recordAsset(newAsset("b", bytes: 400), in: project.id, quotaBytes: 1_000, by: park.managerA)
        let (same, isNew) = try await store.recordAsset(
            newAsset("a", bytes: 600), in: project.id, quotaBytes: 1_000, by: park.managerA)
        #expect(!isNew && same.byteCount == 600)
        await expectStoreError(.conflict(.quotaExceeded(usedBytes: 1_000, quotaBytes: 1_000))) {
            _ = try await store.recordAsset(
                newAsset("c", bytes: .max), in: project.id, quotaBytes: 1_000, by: park.managerA)
        }
        #expect(try await store.assetBytes(of: park.clientA.id) == 1_000)
    }

    public static func assetTiles(_ makeStore: StoreFactory) async throws {
        let store = try await makeStore(ManualClock())
        let park = try await ParkFixture.make(in: store)
        let project = try await park.makeProject(tasks: 0)
        let small = try await store.recordAsset(newAsset("a"), in: project.id, quotaBytes: nil, by: park.managerA)
        let large = try await store.recordAsset(
            newAsset("b", tiles: .pending), in: project.id, quotaBytes: nil, by: park.managerA)
        let larger = try await store.recordAsset(
            newAsset("c", tiles: .pending), in: project.id, quotaBytes: nil, by: park.managerA)
        #expect(try await store.assetsAwaitingTiles(limit: 10).map(\.id) == [large.asset.id, larger.asset.id])
        #expect(try await store.assetsAwaitingTiles(limit: 1).map(\.id) == [large.asset.id])
        try await store.setTiles(.ready, of: large.asset.id)
        try await store.setTiles(.failed, of: larger.asset.id)
        #expect(try await store.assetsAwaitingTiles(limit: 10).isEmpty)
        #expect(try await store.asset(large.asset.id, by: park.managerA).tiles == .ready)
        #expect(try await store.asset(larger.asset.id, by: park.managerA).tiles == .failed)
        #expect(try await store.asset(small.asset.id, by: park.managerA).tiles == .none)
    }
}
