import GRDB

/// The SQLite schema, as migrations that never change once shipped.
///
/// The schema owns the invariants: one row per slot with a primary key on (task, slot index), at most
/// one slot per (task, annotator), one annotation per (task, annotator), one per idempotency key, and
/// composite foreign keys that carry the organization id so no row can point across tenants.
enum Migrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 accounts, projects, queue, annotations") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2 web sessions") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3 skipped tasks") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4 quality control and review") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5 token expiry") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6 assets") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7 attached storages") { db in
            try db.execute(sql: v7)
        }
        migrator.registerMigration("v8 prefilled answers") { db in
            try db.execute(sql: v8)
        }
        return migrator
    }

    static let v1 = """
        CREATE TABLE organization (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
            kind TEXT NOT NULL CHECK (kind IN ('operator', 'client', 'vendor')),
            created_at INTEGER NOT NULL
        );

        CREATE TABLE workplace (
            id INTEGER PRIMARY KEY,
            organization_id INTEGER NOT NULL REFERENCES organization(id),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            county TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (organization_id, name),
            UNIQUE (organization_id, id)
        );

        CREATE TABLE account (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE membership (
            organization_id INTEGER NOT NULL REFERENCES organization(id),
            account_id INTEGER NOT NULL REFERENCES account(id),
            role TEXT NOT NULL CHECK (role IN ('annotator', 'reviewer', 'trainer', 'manager', 'admin')),
            workplace_id INTEGER,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (organization_id, account_id),
            FOREIGN KEY (organization_id, workplace_id) REFERENCES workplace(organization_id, id)
        ) WITHOUT ROWID;
        CREATE INDEX membership_account ON membership(account_id);

        CREATE TABLE api_token (
            token_hash TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES account(id),
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        ) WITHOUT ROWID;

        CREATE TABLE project (
            id INTEGER PRIMARY KEY,
            organization_id INTEGER NOT NULL REFERENCES organization(id),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            description TEXT NOT NULL DEFAULT '',
            schema TEXT NOT NULL,
            overlap INTEGER NOT NULL CHECK (overlap BETWEEN 1 AND 100),
            lease_seconds INTEGER NOT NULL CHECK (lease_seconds BETWEEN 1 AND 86400),
            -- Bumped whenever a slot becomes open again, so a claim can tell that nothing changed since
            -- an annotator last found the queue empty.
            queue_generation INTEGER NOT NULL DEFAULT 0,
            created_by INTEGER NOT NULL REFERENCES account(id),
            created_at INTEGER NOT NULL,
            UNIQUE (organization_id, id)
        );

        CREATE TABLE project_grant (
            project_id INTEGER NOT NULL REFERENCES project(id),
            organization_id INTEGER NOT NULL REFERENCES organization(id),
            created_at INTEGER NOT NULL,
            PRIMARY KEY (project_id, organization_id)
        ) WITHOUT ROWID;
        CREATE INDEX project_grant_organization ON project_grant(organization_id);

        CREATE TABLE task (
            id INTEGER PRIMARY KEY,
            organization_id INTEGER NOT NULL,
            project_id INTEGER NOT NULL,
            data TEXT NOT NULL,
            gold TEXT,
            priority INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            FOREIGN KEY (organization_id, project_id) REFERENCES project(organization_id, id)
        );
        CREATE INDEX task_project ON task(project_id, id);

        -- One row per overlap place. state: 0 open, 1 leased, 2 submitted.
        CREATE TABLE slot (
            task_id INTEGER NOT NULL REFERENCES task(id),
            slot_index INTEGER NOT NULL CHECK (slot_index BETWEEN 0 AND 99),
            project_id INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
            annotator_id INTEGER REFERENCES account(id),
            lease_token TEXT,
            lease_expires_at INTEGER,
            PRIMARY KEY (task_id, slot_index),
            CHECK ((state = 0) = (annotator_id IS NULL)),
            CHECK ((state = 1) = (lease_expires_at IS NOT NULL))
        ) WITHOUT ROWID;
        -- The queue: open slots in hand-out order (priority, then breadth-first, then task order).
        CREATE INDEX slot_queue ON slot(project_id, priority DESC, slot_index, task_id) WHERE state = 0;
        CREATE INDEX slot_lease_expiry ON slot(project_id, lease_expires_at) WHERE state = 1;
        -- Invariant 1: nobody holds two slots of one task.
        CREATE UNIQUE INDEX slot_holder ON slot(task_id, annotator_id) WHERE annotator_id IS NOT NULL;

        -- Every lease ever issued; lets a late submission prove it once held the task.
        CREATE TABLE lease (
            token TEXT PRIMARY KEY,
            task_id INTEGER NOT NULL,
            slot_index INTEGER NOT NULL,
            annotator_id INTEGER NOT NULL,
            claimed_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- Remembers that an annotator found nothing to claim at a queue generation.
        CREATE TABLE queue_exhaustion (
            project_id INTEGER NOT NULL,
            annotator_id INTEGER NOT NULL,
            generation INTEGER NOT NULL,
            PRIMARY KEY (project_id, annotator_id)
        ) WITHOUT ROWID;

        CREATE TABLE annotation (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES task(id),
            project_id INTEGER NOT NULL REFERENCES project(id),
            annotator_id INTEGER NOT NULL REFERENCES account(id),
            result TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
            status TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'accepted', 'rejected')),
            late INTEGER NOT NULL CHECK (late IN (0, 1)),
            lease_token TEXT NOT NULL,
            idempotency_key TEXT,
            lead_time_ms INTEGER CHECK (lead_time_ms >= 0),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (task_id, annotator_id)
        );
        CREATE UNIQUE INDEX annotation_idempotency ON annotation(annotator_id, idempotency_key)
            WHERE idempotency_key IS NOT NULL;
        CREATE INDEX annotation_project_annotator ON annotation(project_id, annotator_id);
        CREATE INDEX annotation_annotator ON annotation(annotator_id, id);

        CREATE TABLE annotation_revision (
            annotation_id INTEGER NOT NULL REFERENCES annotation(id),
            version INTEGER NOT NULL,
            result TEXT NOT NULL,
            lead_time_ms INTEGER,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (annotation_id, version)
        ) WITHOUT ROWID;
        """

    static let v2 = """
        -- A signed-in browser. Only the token's SHA-256 is stored; the CSRF token guards its writes.
        CREATE TABLE web_session (
            token_hash TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES account(id),
            csrf_token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX web_session_account ON web_session(account_id);
        """

    static let v3 = """
        -- Tasks an annotator skipped: their claims pass over them from then on.
        CREATE TABLE task_skip (
            task_id INTEGER NOT NULL REFERENCES task(id),
            annotator_id INTEGER NOT NULL REFERENCES account(id),
            skipped_at INTEGER NOT NULL,
            PRIMARY KEY (task_id, annotator_id)
        ) WITHOUT ROWID;
        """

    /// Shares and scores are stored in parts per million, as integers, so every engine and `ParkCopy`
    /// carry them exactly.
    static let v4 = """
        ALTER TABLE project ADD COLUMN quality TEXT NOT NULL DEFAULT '{}';
        -- Slots dynamic overlap added, less the open slots it closed: the slot total without a scan.
        ALTER TABLE project ADD COLUMN extra_slots INTEGER NOT NULL DEFAULT 0;

        -- The tasks of one import, the unit a client inspects and accepts.
        CREATE TABLE task_batch (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES project(id),
            task_count INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'returned')),
            created_at INTEGER NOT NULL
        );
        CREATE INDEX task_batch_project ON task_batch(project_id, id);
        ALTER TABLE task ADD COLUMN batch_id INTEGER REFERENCES task_batch(id);
        CREATE INDEX task_batch_member ON task(batch_id) WHERE batch_id IS NOT NULL;
        CREATE INDEX task_gold ON task(project_id, id) WHERE gold IS NOT NULL;
        CREATE INDEX annotation_project_order ON annotation(project_id, id);

        -- A gold task handed to one annotator. Gold tasks have no slots: each annotator may get each one
        -- once. state: 1 leased, 2 answered (with the answer's score).
        CREATE TABLE gold_slot (
            task_id INTEGER NOT NULL REFERENCES task(id),
            annotator_id INTEGER NOT NULL REFERENCES account(id),
            project_id INTEGER NOT NULL,
            state INTEGER NOT NULL CHECK (state IN (1, 2)),
            lease_token TEXT,
            lease_expires_at INTEGER,
            score_ppm INTEGER CHECK (score_ppm BETWEEN 0 AND 1000000),
            answered_at INTEGER,
            PRIMARY KEY (task_id, annotator_id),
            CHECK ((state = 1) = (lease_expires_at IS NOT NULL))
        ) WITHOUT ROWID;
        CREATE INDEX gold_slot_annotator ON gold_slot(project_id, annotator_id, answered_at);

        -- An annotator's standing on a project: paused (and why), and since when gold answers count.
        CREATE TABLE annotator_standing (
            project_id INTEGER NOT NULL REFERENCES project(id),
            annotator_id INTEGER NOT NULL REFERENCES account(id),
            paused_at INTEGER,
            pause_accuracy_ppm INTEGER,
            pause_window INTEGER,
            counted_since INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (project_id, annotator_id)
        ) WITHOUT ROWID;

        CREATE TABLE inspection (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES project(id),
            batch_id INTEGER NOT NULL REFERENCES task_batch(id),
            aql_ppm INTEGER NOT NULL CHECK (aql_ppm BETWEEN 1 AND 1000000),
            sampled INTEGER NOT NULL,
            decided INTEGER NOT NULL DEFAULT 0,
            defects INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'passed', 'failed')),
            created_by INTEGER NOT NULL REFERENCES account(id),
            created_at INTEGER NOT NULL,
            closed_at INTEGER
        );
        CREATE INDEX inspection_batch ON inspection(batch_id);

        -- Annotations waiting for a reviewer (the review stage, or an inspection's sample). state: 0 open,
        -- 1 leased.
        CREATE TABLE review_item (
            annotation_id INTEGER PRIMARY KEY REFERENCES annotation(id),
            project_id INTEGER NOT NULL,
            inspection_id INTEGER REFERENCES inspection(id),
            state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1)),
            reviewer_id INTEGER REFERENCES account(id),
            lease_token TEXT UNIQUE,
            lease_expires_at INTEGER,
            created_at INTEGER NOT NULL,
            CHECK ((state = 1) = (lease_expires_at IS NOT NULL))
        );
        CREATE INDEX review_queue ON review_item(project_id, created_at, annotation_id) WHERE state = 0;
        CREATE INDEX review_lease_expiry ON review_item(project_id, lease_expires_at) WHERE state = 1;

        -- Every review decision, kept.
        CREATE TABLE review (
            id INTEGER PRIMARY KEY,
            annotation_id INTEGER NOT NULL REFERENCES annotation(id),
            project_id INTEGER NOT NULL,
            reviewer_id INTEGER NOT NULL REFERENCES account(id),
            annotation_version INTEGER NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'fix')),
            comment TEXT,
            result TEXT,
            inspection_id INTEGER REFERENCES inspection(id),
            created_at INTEGER NOT NULL
        );
        CREATE INDEX review_annotation ON review(annotation_id, id);
        """

    static let v5 = """
        -- API tokens may expire; NULL never does.
        ALTER TABLE api_token ADD COLUMN expires_at INTEGER;
        CREATE INDEX api_token_account ON api_token(account_id);
        -- The maintenance loop deletes expired sessions by these.
        CREATE INDEX web_session_expiry ON web_session(expires_at);
        CREATE INDEX web_session_last_seen ON web_session(last_seen_at);

        -- An import in progress (SQLite commits it in chunks): its batch, and the first task id it may use;
        -- the project's tasks from that id on stay invisible until the import publishes them.
        ALTER TABLE project ADD COLUMN importing_batch_id INTEGER;
        ALTER TABLE project ADD COLUMN importing_from_task_id INTEGER;

        -- A member an admin added is pending until the person signs in (a new account) or accepts (an
        -- account that works elsewhere), so adding an email never tells an admin whether it exists in
        -- another tenant; until then the member shows under the name the admin gave.
        ALTER TABLE membership ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending'));
        ALTER TABLE membership ADD COLUMN invited_name TEXT;

        -- Keys the park derives from (the annotators' task handles); made once, shared by every instance.
        CREATE TABLE park_secret (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        """

    static let v6 = """
        -- Media uploaded into a project. The bytes live in the asset store under their SHA-256; the same bytes
        -- twice in one project are one asset. organization_id is the project's, for quotas.
        CREATE TABLE asset (
            id INTEGER PRIMARY KEY,
            organization_id INTEGER NOT NULL REFERENCES organization(id),
            project_id INTEGER NOT NULL REFERENCES project(id),
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            media_type TEXT NOT NULL,
            byte_count INTEGER NOT NULL CHECK (byte_count >= 0),
            width INTEGER,
            height INTEGER,
            tiles TEXT NOT NULL CHECK (tiles IN ('none', 'pending', 'ready', 'failed')),
            created_by INTEGER NOT NULL REFERENCES account(id),
            created_at INTEGER NOT NULL,
            UNIQUE (project_id, sha256)
        );
        CREATE INDEX asset_organization ON asset(organization_id);
        CREATE INDEX asset_tiles_pending ON asset(id) WHERE tiles = 'pending';
        """

    static let v7 = """
        -- Storages attached to a project: a client's bucket or an allowed server directory whose objects become
        -- assets without being copied. Credentials are sealed by the server; the sync_* columns are the last sync.
        CREATE TABLE storage (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES project(id),
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            kind TEXT NOT NULL CHECK (kind IN ('s3', 'directory')),
            endpoint TEXT,
            bucket TEXT,
            prefix TEXT,
            region TEXT,
            path_style INTEGER CHECK (path_style IN (0, 1)),
            path TEXT,
            sealed_credentials TEXT,
            created_by INTEGER NOT NULL REFERENCES account(id),
            created_at INTEGER NOT NULL,
            sync_state TEXT NOT NULL CHECK (sync_state IN ('idle', 'running', 'finished', 'failed')),
            sync_task_field TEXT,
            sync_started_by INTEGER REFERENCES account(id),
            sync_started_at INTEGER,
            sync_heartbeat_at INTEGER,
            sync_finished_at INTEGER,
            sync_objects INTEGER NOT NULL DEFAULT 0,
            sync_assets INTEGER NOT NULL DEFAULT 0,
            sync_tasks INTEGER NOT NULL DEFAULT 0,
            sync_skipped INTEGER NOT NULL DEFAULT 0,
            sync_batch_id INTEGER REFERENCES task_batch(id),
            sync_error TEXT,
            CHECK ((kind = 's3') = (bucket IS NOT NULL AND endpoint IS NOT NULL AND region IS NOT NULL
                                    AND prefix IS NOT NULL AND path_style IS NOT NULL)),
            CHECK ((kind = 'directory') = (path IS NOT NULL))
        );
        CREATE INDEX storage_project ON storage(project_id);

        -- Where an asset's bytes are when they stay in an attached storage, and the version that was hashed.
        ALTER TABLE asset ADD COLUMN storage_id INTEGER REFERENCES storage(id);
        ALTER TABLE asset ADD COLUMN object_key TEXT;
        ALTER TABLE asset ADD COLUMN object_version TEXT;

        -- Every object a sync recorded (key order pages the listing): the asset it is, or why it was skipped.
        CREATE TABLE storage_object (
            storage_id INTEGER NOT NULL REFERENCES storage(id),
            object_key TEXT NOT NULL,
            object_version TEXT NOT NULL,
            byte_count INTEGER NOT NULL CHECK (byte_count >= 0),
            asset_id INTEGER REFERENCES asset(id),
            skipped TEXT,
            synced_at INTEGER NOT NULL,
            PRIMARY KEY (storage_id, object_key),
            CHECK ((asset_id IS NULL) <> (skipped IS NULL))
        );
        """

    /// A task's starting answer, which annotators correct rather than draw from nothing.
    static let v8 = """
        ALTER TABLE task ADD COLUMN prefill TEXT;
        """
}
