import ArgumentParser
import Foundation
import LabelParkAssets
import LabelParkHTTP
import Logging

/// Where media bytes live and what uploads may be: `--storage file` (under the data directory) or
/// `--storage s3://bucket/prefix` with the endpoint and region as options and the credentials from
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
struct MediaOptions: ParsableArguments {
    @Option(help: "Where media bytes live: file (the data directory) or s3://bucket/prefix.")
    var storage: String = "file"
    @Option(help: "The S3-compatible endpoint for --storage s3://… (https://s3.<region>.amazonaws.com, MinIO…).")
    var s3Endpoint: String?
    @Option(help: "The S3 region to sign for.") var s3Region: String = "us-east-1"
    @Flag(help: "Address the bucket as bucket.endpoint (AWS) rather than endpoint/bucket (self-hosted services).")
    var s3VirtualHosted = false
    @Option(help: "The largest media upload, in bytes (at most 5 GiB).") var maxUploadBytes: Int64 = 2 << 30
    @Option(help: "The most media bytes one organization may store (no quota by default).") var mediaQuotaBytes: Int64?
    @Option(help: "Images with a side at least this long (px) get a tile pyramid.") var tileThreshold: Int = 4_096
    @Option(
        help: ArgumentHelp(
            "An S3-compatible endpoint whose buckets projects may attach (repeatable; none by default).",
            valueName: "url"))
    var attachableEndpoint: [String] = []
    @Option(
        help: ArgumentHelp(
            "A server directory that projects may attach, with everything under it (repeatable; none by default).",
            valueName: "path"))
    var attachableDirectory: [String] = []
    @Option(
        help: ArgumentHelp(
            "The key that seals attached buckets' credentials (64 hex digits; made on first use). Every instance of a park needs the same one.",
            valueName: "path"))
    var storageKeyFile: String?
    @Option(help: "Seconds without a heartbeat after which a storage sync counts as stopped and may be started again.")
    var syncHeartbeatTimeout: Int = 120

    func validate() throws {
        guard (1...(5 << 30)).contains(maxUploadBytes) else {
            throw ValidationError("--max-upload-bytes must be from 1 to 5 GiB (S3's limit for one upload)")
        }
        guard (mediaQuotaBytes ?? 0) >= 0 else { throw ValidationError("--media-quota-bytes must not be negative") }
        guard (256...65_535).contains(tileThreshold) else {
            throw ValidationError("--tile-threshold must be from 256 to 65535 pixels")
        }
        guard (8...3_600).contains(syncHeartbeatTimeout) else {
            throw ValidationError("--sync-heartbeat-timeout must be from 8 to 3600 seconds")
        }
        guard storage == "file" || storage.hasPrefix("s3://") else {
            throw ValidationError("--storage must be file or s3://bucket/prefix")
        }
    }

    /// The media settings of a server whose data directory is `dataDirectory`.
    func settings(dataDirectory: URL, logger: Logger) throws -> MediaSettings {
        let store: any AssetStore
        let staging: String
        if storage == "file" {
            let local = try LocalAssetStore(root: dataDirectory.appendingPathComponent("assets").path)
            store = local
            // Staged uploads become objects by a rename, so they are staged inside the store.
            staging = local.root + "/incoming"
        } else {
            guard let endpointText = s3Endpoint, let endpoint = URL(string: endpointText) else {
                throw ValidationError("--storage s3://… needs --s3-endpoint")
            }
            guard let credentials = S3Credentials.fromEnvironment(ProcessInfo.processInfo.environment) else {
                throw ValidationError("--storage s3://… needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
            }
            let location = try S3Location(
                url: storage, endpoint: endpoint, region: s3Region, pathStyle: !s3VirtualHosted)
            staging = dataDirectory.appendingPathComponent("media-staging").path
            store = S3AssetStore(
                location: location, credentials: credentials, scratchDirectory: staging + "/downloads", logger: logger)
        }
        let keyFile = storageKeyFile ?? dataDirectory.appendingPathComponent("storage-credentials.key").path
        let attachments = try AttachmentPolicy(
            allowedEndpoints: attachableEndpoint, allowedDirectories: attachableDirectory,
            sealer: try CredentialSealer.loadingKey(at: keyFile), staleAfterSeconds: syncHeartbeatTimeout)
        return MediaSettings(
            store: store, stagingDirectory: staging, maxUploadBytes: maxUploadBytes, quotaBytes: mediaQuotaBytes,
            tileThreshold: tileThreshold, attachments: attachments)
    }
}
