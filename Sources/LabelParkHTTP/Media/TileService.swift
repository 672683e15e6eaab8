import Foundation
import LabelParkAssets
import LabelParkStore
import Logging
import ServiceLifecycle
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Tells the tile service that an upload is waiting for its pyramid.
public final class TileSignal: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func wake() { continuation.yield() }
}

/// Cuts large images into Deep Zoom pyramids with `vips dzsave` and puts every tile in the asset store.
///
/// It works through the catalog's pending assets, woken by uploads and every half minute (so work left by a
/// stopped instance is resumed). Two instances may cut the same image at once; tiles are named by content,
/// so the second's puts change nothing.
public struct TileService: Service {
    let catalog: any AssetCatalog & StorageCatalog
    let media: MediaSettings
    let signal: TileSignal
    let logger: Logger

    public init(catalog: any AssetCatalog & StorageCatalog, media: MediaSettings, signal: TileSignal, logger: Logger) {
        self.catalog = catalog
        self.media = media
        self.signal = signal
        self.logger = logger
    }

    public func run() async throws {
        let ticker = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(30))
                signal.wake()
            }
        }
        defer { ticker.cancel() }
        signal.wake()
        // Shutdown ends the wait for the next wake-up and cancels a cut in progress (vips is stopped): that image
        // stays pending and the next start cuts it again.
        for await _ in signal.stream.cancelOnGracefulShutdown() {
            try? await cancelWhenGracefulShutdown { await drain() }
        }
    }

    /// The longest a pyramid may take before the image is marked failed and shown whole (a 20,000² photograph
    /// takes about 15 s on two cores).
    static let cutTimeLimit = Duration.seconds(900)

    /// Cuts every pending image, oldest first.
    func drain() async {
        while !Task.isCancelled {
            guard let pending = try? await catalog.assetsAwaitingTiles(limit: 4), !pending.isEmpty else { return }
            for asset in pending {
                let started = ContinuousClock.now
                do {
                    let count = try await cutWithinLimit(asset)
                    try await catalog.setTiles(.ready, of: asset.id)
                    logger.info(
                        "tiles ready",
                        metadata: [
                            "asset": "\(asset.id)", "tiles": "\(count)", "seconds": "\(ContinuousClock.now - started)",
                        ])
                } catch  where Task.isCancelled {
                    return
                } catch {
                    logger.error("tiles failed", metadata: ["asset": "\(asset.id)", "error": "\(error)"])
                    // A catalog that cannot take the outcome would hand the same image out again at once;
                    // wait for the next wake-up instead of cutting it in a loop.
                    guard (try? await catalog.setTiles(.failed, of: asset.id)) != nil else { return }
                }
            }
        }
    }

    /// `cut`, given up (and vips stopped) after `cutTimeLimit`.
    func cutWithinLimit(_ asset: Asset) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await cut(asset) }
            group.addTask {
                try await Task.sleep(for: Self.cutTimeLimit)
                throw TileError.failed("vips took longer than \(Self.cutTimeLimit)")
            }
            defer { group.cancelAll() }
            guard let count = try await group.next() else { throw CancellationError() }
            return count
        }
    }

    /// Writes the pyramid of one image into the asset store; returns the number of tiles.
    func cut(_ asset: Asset) async throws -> Int {
        let output = media.stagingDirectory + "/tiles-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let bytes = MediaBytes(store: media.store, catalog: catalog, sources: media.sources)
        try await bytes.withLocalFile(asset) { path in
            let result = try await Subprocess.run(
                .name("vips"),
                arguments: [
                    "dzsave", path, output + "/pyramid", "--tile-size", "\(TileLayout.tileSize)", "--overlap",
                    "\(TileLayout.overlap)", "--suffix", ".\(TileLayout.suffix)[Q=85]", "--depth", "onepixel",
                ],
                output: .discarded, error: .string(limit: 8_192))
            guard result.terminationStatus.isSuccess else {
                throw TileError.failed("vips dzsave: \(result.standardError) (\(result.terminationStatus))")
            }
        }
        var count = 0
        let files = output + "/pyramid_files"
        for level in try FileManager.default.contentsOfDirectory(atPath: files) {
            guard let levelNumber = Int(level) else { continue }
            for name in try FileManager.default.contentsOfDirectory(atPath: files + "/" + level) {
                let position = name.split(separator: ".").first?.split(separator: "_") ?? []
                guard position.count == 2, let column = Int(position[0]), let row = Int(position[1]),
                    let key = AssetKey.tile(
                        sha256: asset.sha256, level: levelNumber, column: column, row: row, suffix: TileLayout.suffix)
                else { continue }
                try await media.store.put(
                    movingFileAt: files + "/" + level + "/" + name, as: key, contentType: "image/jpeg")
                count += 1
            }
        }
        return count
    }

    enum TileError: Error, CustomStringConvertible {
        case failed(String)
        var description: String {
            switch self {
            case .failed(let why): why
            }
        }
    }
}
