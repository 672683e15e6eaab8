import LabelParkStore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresParkStore: ParkTableAccess {
    public func storedColumns(of table: ParkTable) async throws -> [String] {
        try await read { connection in
            try await connection.run(
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = \(table.name)
                """, logger: self.logger
            ).map { try $0.decode(String.self) }
        }
    }

    public func rowCount(of table: ParkTable) async throws -> Int {
        try await read { connection in
            try await connection.first("SELECT count(*) FROM \(unescaped: quoted(table.name))", logger: self.logger)!
                .decode(Int.self)
        }
    }

    public func readRows(of table: ParkTable, after key: [ParkCell]?, limit: Int) async throws -> [[ParkCell]] {
        var binds = PostgresBindings(capacity: table.primaryKey.count + 1)
        for cell in key ?? [] {
            switch cell {
            case .null: binds.appendNull()
            case .integer(let integer): binds.append(integer)
            case .text(let text): binds.append(text)
            }
        }
        binds.append(Int64(limit))
        let query = PostgresQuery(unsafeSQL: Self.pageSQL(of: table, afterKey: key != nil), binds: binds)
        return try await read { connection in
            try await connection.run(query, logger: self.logger).map { row in
                var cells: [ParkCell] = []
                cells.reserveCapacity(table.columns.count)
                for (cell, column) in zip(row, table.columns) {
                    switch column.kind {
                    case .integer: cells.append(try cell.decode(Int64?.self).map(ParkCell.integer) ?? .null)
                    case .text: cells.append(try cell.decode(String?.self).map(ParkCell.text) ?? .null)
                    case .boolean: cells.append(try cell.decode(Bool?.self).map { .integer($0 ? 1 : 0) } ?? .null)
                    }
                }
                return cells
            }
        }
    }

    public func isEmpty() async throws -> Bool {
        let probes = ParkTable.all.map { "SELECT 1 FROM \(quoted($0.name))" }.joined(separator: " UNION ALL ")
        return try await read { connection in
            try await connection.first("SELECT NOT EXISTS (\(unescaped: probes))", logger: self.logger)!
                .decode(Bool.self)
        }
    }

    public func removeAllRows() async throws {
        let tables = ParkTable.all.map { quoted($0.name) }.joined(separator: ", ")
        // One TRUNCATE of every table at once is a single transaction that no foreign key blocks.
        try await read { connection in
            _ = try await connection.run("TRUNCATE \(unescaped: tables)", logger: self.logger)
        }
        projectCache.removeAll()
    }

    public func insert(_ rows: [[ParkCell]], into table: ParkTable) async throws {
        guard !rows.isEmpty else { return }
        // COPY rather than INSERT … unnest: arrays of optionals cannot be bound, and COPY is the fastest
        // way in. One COPY statement is one transaction.
        do {
            try await copy(rows, into: table)
        } catch let error as PSQLError {
            // PSQLError's description hides the server's message, the one thing that says which row and why.
            let message = [error.serverInfo?[.message], error.serverInfo?[.detail]].compactMap { $0 }
            throw ParkTableError.refused(
                table: table.name,
                reason: message.isEmpty ? String(reflecting: error) : message.joined(separator: ": "))
        }
    }

    private func copy(_ rows: [[ParkCell]], into table: ParkTable) async throws {
        try await read { connection in
            try await connection.copyFrom(table: table.name, columns: table.columnNames, logger: self.logger) {
                writer in
                var buffer = ByteBuffer()
                for row in rows {
                    Self.appendCopyLine(row, to: &buffer)
                    if buffer.readableBytes >= Self.copyChunkBytes {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
        }
    }

    public func finishLoading() async throws {
        try await read { connection in
            for table in ParkTable.all where table.hasGeneratedID {
                // The next generated id is one past the largest copied one (1 for an empty table).
                try await connection.run(
                    """
                    SELECT setval(pg_get_serial_sequence(\(table.name), 'id'), coalesce(max(id), 0) + 1, false)
                    FROM \(unescaped: quoted(table.name))
                    """, logger: self.logger)
            }
            // Fresh statistics now, so the first claims after the load are planned on the real row counts.
            let tables = ParkTable.all.map { quoted($0.name) }.joined(separator: ", ")
            _ = try await connection.run("ANALYZE \(unescaped: tables)", logger: self.logger)
        }
        projectCache.removeAll()
    }

    /// A page of `table` in primary-key order, after a key bound as the first parameters when `afterKey`,
    /// with the page size as the last parameter.
    static func pageSQL(of table: ParkTable, afterKey: Bool) -> String {
        let columns = table.columnNames.map(quoted).joined(separator: ", ")
        let key = table.primaryKey.map(quoted).joined(separator: ", ")
        let count = table.primaryKey.count
        let placeholders = (1...count).map { "$\($0)" }.joined(separator: ", ")
        // A row comparison walks the primary key's index in order.
        let filter = afterKey ? " WHERE (\(key)) > (\(placeholders))" : ""
        let limit = afterKey ? count + 1 : 1
        return "SELECT \(columns) FROM \(quoted(table.name))\(filter) ORDER BY \(key) LIMIT $\(limit)"
    }

    /// Bytes sent to the server per COPY message at most, so a batch of large rows is not doubled in memory.
    static let copyChunkBytes = 1 << 20

    /// One row in COPY's text format: values separated by tabs, `\N` for NULL, a newline at the end.
    static func appendCopyLine(_ row: [ParkCell], to buffer: inout ByteBuffer) {
        for (index, cell) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            switch cell {
            case .null: buffer.writeStaticString("\\N")
            // A boolean column reads 0 and 1 as false and true.
            case .integer(let integer): buffer.writeString(String(integer))
            case .text(let text): appendCopyText(text, to: &buffer)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// A text value escaped for COPY's text format: the backslash and the characters that end a value or
    /// a line become backslash sequences; everything else is taken literally.
    static func appendCopyText(_ text: String, to buffer: inout ByteBuffer) {
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            case 0x09: buffer.writeStaticString("\\t")
            default: buffer.writeInteger(byte)
            }
        }
    }
}

/// An identifier quoted for SQL; catalog names are plain, so this only guards against keywords.
private func quoted(_ identifier: String) -> String { "\"\(identifier)\"" }
