/// One table of a park's database, as every engine stores it: the same name and columns in SQLite and
/// PostgreSQL, only the column types differ.
///
/// This catalog is what `ParkCopy` moves between engines, so it must name every column of every table;
/// `ParkCopy` compares it with each engine's real schema before copying and refuses on any difference.
public struct ParkTable: Sendable, Hashable {
    /// One column and the kind of value it holds.
    public struct Column: Sendable, Hashable {
        public var name: String
        public var kind: Kind

        public init(_ name: String, _ kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    /// The engine-neutral kind of a column's values.
    public enum Kind: Sendable, Hashable {
        /// A 64-bit integer (SQLite INTEGER; PostgreSQL BIGINT, INTEGER or SMALLINT).
        case integer
        case text
        /// True or false, carried as the integer 1 or 0 (SQLite keeps it so; PostgreSQL has BOOLEAN).
        case boolean
    }

    public var name: String
    /// The columns in the order rows carry their values.
    public var columns: [Column]
    /// The primary key's columns; rows are read in this key's order, a page at a time.
    public var primaryKey: [String]

    public init(_ name: String, columns: [Column], primaryKey: [String]) {
        precondition(
            primaryKey.allSatisfy { key in columns.contains { $0.name == key } },
            "the primary key of \(name) names a column it does not have")
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
    }

    /// The column names in row order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The positions of the primary key's columns within a row.
    public var primaryKeyPositions: [Int] {
        primaryKey.map { key in columns.firstIndex { $0.name == key }! }
    }

    /// Whether the database numbers new rows itself (every table keyed by `id` does), so that after a copy
    /// its counter must move past every copied id.
    public var hasGeneratedID: Bool { primaryKey == ["id"] }

    /// The primary key of a row of this table.
    public func key(of row: [ParkCell]) -> [ParkCell] {
        primaryKeyPositions.map { row[$0] }
    }
}

/// One value of a row: what any engine's column holds, typed so integers compare as integers.
public enum ParkCell: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
}

extension ParkTable {
    /// Every LabelPark table, in foreign-key order: a table comes after every table it references, so
    /// loading in this order (and emptying in the reverse) never breaks a foreign key.
    public static let all: [ParkTable] = [
        ParkTable(
            "organization",
            columns: [
                Column("id", .integer), Column("name", .text), Column("kind", .text), Column("created_at", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "workplace",
            columns: [
                Column("id", .integer), Column("organization_id", .integer), Column("name", .text),
                Column("county", .text), Column("created_at", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "account",
            columns: [
                Column("id", .integer), Column("email", .text), Column("display_name", .text),
                Column("password_hash", .text), Column("created_at", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "web_session",
            columns: [
                Column("token_hash", .text), Column("account_id", .integer), Column("csrf_token", .text),
                Column("created_at", .integer), Column("last_seen_at", .integer), Column("expires_at", .integer),
            ],
            primaryKey: ["token_hash"]),
        ParkTable(
            "park_secret",
            columns: [Column("name", .text), Column("value", .text), Column("created_at", .integer)],
            primaryKey: ["name"]),
        ParkTable(
            "membership",
            columns: [
                Column("organization_id", .integer), Column("account_id", .integer), Column("role", .text),
                Column("workplace_id", .integer), Column("created_at", .integer), Column("status", .text),
                Column("invited_name", .text),
            ],
            primaryKey: ["organization_id", "account_id"]),
        ParkTable(
            "api_token",
            columns: [
                Column("token_hash", .text), Column("account_id", .integer), Column("name", .text),
                Column("created_at", .integer), Column("revoked_at", .integer), Column("expires_at", .integer),
            ],
            primaryKey: ["token_hash"]),
        ParkTable(
            "project",
            columns: [
                Column("id", .integer), Column("organization_id", .integer), Column("name", .text),
                Column("description", .text), Column("schema", .text), Column("overlap", .integer),
                Column("lease_seconds", .integer), Column("queue_generation", .integer),
                Column("created_by", .integer), Column("created_at", .integer), Column("quality", .text),
                Column("extra_slots", .integer), Column("importing_batch_id", .integer),
                Column("importing_from_task_id", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "project_grant",
            columns: [
                Column("project_id", .integer), Column("organization_id", .integer), Column("created_at", .integer),
            ],
            primaryKey: ["project_id", "organization_id"]),
        ParkTable(
            "task_batch",
            columns: [
                Column("id", .integer), Column("project_id", .integer), Column("task_count", .integer),
                Column("status", .text), Column("created_at", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "task",
            columns: [
                Column("id", .integer), Column("organization_id", .integer), Column("project_id", .integer),
                Column("data", .text), Column("gold", .text), Column("priority", .integer),
                Column("created_at", .integer), Column("batch_id", .integer), Column("prefill", .text),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "gold_slot",
            columns: [
                Column("task_id", .integer), Column("annotator_id", .integer), Column("project_id", .integer),
                Column("state", .integer), Column("lease_token", .text), Column("lease_expires_at", .integer),
                Column("score_ppm", .integer), Column("answered_at", .integer),
            ],
            primaryKey: ["task_id", "annotator_id"]),
        ParkTable(
            "annotator_standing",
            columns: [
                Column("project_id", .integer), Column("annotator_id", .integer), Column("paused_at", .integer),
                Column("pause_accuracy_ppm", .integer), Column("pause_window", .integer),
                Column("counted_since", .integer),
            ],
            primaryKey: ["project_id", "annotator_id"]),
        ParkTable(
            "slot",
            columns: [
                Column("task_id", .integer), Column("slot_index", .integer), Column("project_id", .integer),
                Column("priority", .integer), Column("state", .integer), Column("annotator_id", .integer),
                Column("lease_token", .text), Column("lease_expires_at", .integer),
            ],
            primaryKey: ["task_id", "slot_index"]),
        ParkTable(
            "lease",
            columns: [
                Column("token", .text), Column("task_id", .integer), Column("slot_index", .integer),
                Column("annotator_id", .integer), Column("claimed_at", .integer),
            ],
            primaryKey: ["token"]),
        ParkTable(
            "task_skip",
            columns: [Column("task_id", .integer), Column("annotator_id", .integer), Column("skipped_at", .integer)],
            primaryKey: ["task_id", "annotator_id"]),
        ParkTable(
            "queue_exhaustion",
            columns: [
                Column("project_id", .integer), Column("annotator_id", .integer), Column("generation", .integer),
            ],
            primaryKey: ["project_id", "annotator_id"]),
        ParkTable(
            "annotation",
            columns: [
                Column("id", .integer), Column("task_id", .integer), Column("project_id", .integer),
                Column("annotator_id", .integer), Column("result", .text), Column("version", .integer),
                Column("status", .text), Column("late", .boolean), Column("lease_token", .text),
                Column("idempotency_key", .text), Column("lead_time_ms", .integer), Column("created_at", .integer),
                Column("updated_at", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "annotation_revision",
            columns: [
                Column("annotation_id", .integer), Column("version", .integer), Column("result", .text),
                Column("lead_time_ms", .integer), Column("created_at", .integer),
            ],
            primaryKey: ["annotation_id", "version"]),
        ParkTable(
            "inspection",
            columns: [
                Column("id", .integer), Column("project_id", .integer), Column("batch_id", .integer),
                Column("aql_ppm", .integer), Column("sampled", .integer), Column("decided", .integer),
                Column("defects", .integer), Column("status", .text), Column("created_by", .integer),
                Column("created_at", .integer), Column("closed_at", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "review_item",
            columns: [
                Column("annotation_id", .integer), Column("project_id", .integer), Column("inspection_id", .integer),
                Column("state", .integer), Column("reviewer_id", .integer), Column("lease_token", .text),
                Column("lease_expires_at", .integer), Column("created_at", .integer),
            ],
            primaryKey: ["annotation_id"]),
        ParkTable(
            "review",
            columns: [
                Column("id", .integer), Column("annotation_id", .integer), Column("project_id", .integer),
                Column("reviewer_id", .integer), Column("annotation_version", .integer), Column("decision", .text),
                Column("comment", .text), Column("result", .text), Column("inspection_id", .integer),
                Column("created_at", .integer),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "storage",
            columns: [
                Column("id", .integer), Column("project_id", .integer), Column("title", .text), Column("kind", .text),
                Column("endpoint", .text), Column("bucket", .text), Column("prefix", .text), Column("region", .text),
                Column("path_style", .boolean), Column("path", .text), Column("sealed_credentials", .text),
                Column("created_by", .integer), Column("created_at", .integer), Column("sync_state", .text),
                Column("sync_task_field", .text), Column("sync_started_by", .integer),
                Column("sync_started_at", .integer), Column("sync_heartbeat_at", .integer),
                Column("sync_finished_at", .integer), Column("sync_objects", .integer), Column("sync_assets", .integer),
                Column("sync_tasks", .integer), Column("sync_skipped", .integer), Column("sync_batch_id", .integer),
                Column("sync_error", .text),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "asset",
            columns: [
                Column("id", .integer), Column("organization_id", .integer), Column("project_id", .integer),
                Column("sha256", .text), Column("media_type", .text), Column("byte_count", .integer),
                Column("width", .integer), Column("height", .integer), Column("tiles", .text),
                Column("created_by", .integer), Column("created_at", .integer), Column("storage_id", .integer),
                Column("object_key", .text), Column("object_version", .text),
            ],
            primaryKey: ["id"]),
        ParkTable(
            "storage_object",
            columns: [
                Column("storage_id", .integer), Column("object_key", .text), Column("object_version", .text),
                Column("byte_count", .integer), Column("asset_id", .integer), Column("skipped", .text),
                Column("synced_at", .integer),
            ],
            primaryKey: ["storage_id", "object_key"]),
    ]
}
