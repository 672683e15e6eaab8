import GRDB
import LabelParkStore
import Synchronization

extension SQLiteParkStore: ParkTableAccess {
    public func storedColumns(of table: ParkTable) async throws -> [String] {
        try await pool.read { db in try db.columns(in: table.name).map(\.name) }
    }

    public func rowCount(of table: ParkTable) async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(quoted(table.name))") ?? 0 }
    }

    public func readRows(of table: ParkTable, after key: [ParkCell]?, limit: Int) async throws -> [[ParkCell]] {
        let sql = Self.pageSQL(of: table, afterKey: key != nil)
        let arguments = StatementArguments((key ?? []).map(\.databaseValue) + [limit.databaseValue])
        return try await pool.read { db in
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
            var page: [[ParkCell]] = []
            page.reserveCapacity(limit)
            while let row = try rows.next() {
                var cells: [ParkCell] = []
                cells.reserveCapacity(table.columns.count)
                for (index, column) in table.columns.enumerated() {
                    let value: DatabaseValue = row[index]
                    switch (value.storage, column.kind) {
                    case (.null, _): cells.append(.null)
                    case (.int64(let integer), .integer), (.int64(let integer), .boolean):
                        cells.append(.integer(integer))
                    case (.string(let text), .text): cells.append(.text(text))
                    default: throw ParkTableError.unexpectedValue(table: table.name, column: column.name)
                    }
                }
                page.append(cells)
            }
            return page
        }
    }

    public func isEmpty() async throws -> Bool {
        try await pool.read { db in
            for table in ParkTable.all {
                let hasRows = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(quoted(table.name)))") ?? false
                if hasRows { return false }
            }
            return true
        }
    }

    public func removeAllRows() async throws {
        try await pool.write { db in
            for table in ParkTable.all.reversed() {
                try db.execute(sql: "DELETE FROM \(quoted(table.name))")
            }
        }
        projectCache.removeAll()
    }

    public func insert(_ rows: [[ParkCell]], into table: ParkTable) async throws {
        guard !rows.isEmpty else { return }
        let columns = table.columnNames.map(quoted).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
        let sql = "INSERT INTO \(quoted(table.name)) (\(columns)) VALUES (\(placeholders))"
        // One transaction per batch, outside the write batcher: a copy runs while no server uses the file,
        // and foreign keys stay enforced because tables load in foreign-key order.
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: sql)
            for row in rows {
                try statement.execute(arguments: StatementArguments(row.map(\.databaseValue)))
            }
        }
    }

    public func finishLoading() async throws {
        // SQLite numbers a new row one past the largest rowid, so copied ids need no bookkeeping; only the
        // cached projects may describe rows that were replaced.
        projectCache.removeAll()
    }

    /// A page of `table` in primary-key order, after a key bound as the first arguments when `afterKey`,
    /// with the page size as the last argument.
    static func pageSQL(of table: ParkTable, afterKey: Bool) -> String {
        let columns = table.columnNames.map(quoted).joined(separator: ", ")
        let key = table.primaryKey.map(quoted).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: table.primaryKey.count).joined(separator: ", ")
        // Row values compare column by column, the order of the primary key's index.
        let filter = afterKey ? " WHERE (\(key)) > (\(placeholders))" : ""
        return "SELECT \(columns) FROM \(quoted(table.name))\(filter) ORDER BY \(key) LIMIT ?"
    }
}

/// An identifier quoted for SQL; catalog names are plain, so this only guards against keywords.
private func quoted(_ identifier: String) -> String { "\"\(identifier)\"" }

extension ParkCell {
    fileprivate var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .text(let text): text.databaseValue
        }
    }
}
