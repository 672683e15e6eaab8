/// Moves every row of a park from one database to another, table by table, and proves the copy complete.
///
/// Rows stream in primary-key pages, so memory stays bounded by two pages whatever the park's size, and
/// the next page is read while the current one is written. After each table the target's rows are counted
/// and read back: the copy succeeds only when the target holds exactly as many rows as were read from the
/// source and their checksum is the same.
///
/// Nothing may write to either database meanwhile; a source that changes under the copy is reported.
public struct ParkCopy: Sendable {
    public var source: any ParkTableAccess
    public var target: any ParkTableAccess
    /// Whether a target that already holds rows is emptied first instead of refused.
    public var replacesTarget: Bool
    /// Rows per page read and per transaction written.
    public var batchSize: Int
    public var tables: [ParkTable]

    public init(
        from source: any ParkTableAccess, to target: any ParkTableAccess, replacingTarget: Bool = false,
        batchSize: Int = 5_000, tables: [ParkTable] = ParkTable.all
    ) {
        precondition(batchSize > 0, "a batch holds at least one row")
        self.source = source
        self.target = target
        self.replacesTarget = replacingTarget
        self.batchSize = batchSize
        self.tables = tables
    }

    /// Copies and verifies every table, reporting progress after each page; returns what was copied.
    ///
    /// - Throws: `ParkCopyError` when the source holds no rows, when the target holds rows (and
    ///   `replacesTarget` is off), when either schema differs from the catalog, when the source changed
    ///   during the copy, or when verification fails.
    public func run(progress: @Sendable (ParkCopyProgress) -> Void = { _ in }) async throws -> ParkCopyReport {
        for table in tables {
            try await checkSchema(of: table, on: .source)
            try await checkSchema(of: table, on: .target)
        }
        // An empty source is most likely a mistyped location; copying it would at best do nothing and, with
        // `replacesTarget`, empty the target.
        guard try await !source.isEmpty() else { throw ParkCopyError.sourceEmpty }
        if try await !target.isEmpty() {
            guard replacesTarget else { throw ParkCopyError.targetNotEmpty }
            try await target.removeAllRows()
        }
        var copies: [TableCopy] = []
        for table in tables {
            copies.append(try await copy(table, progress: progress))
        }
        try await target.finishLoading()
        return ParkCopyReport(tables: copies)
    }

    /// Refuses a database whose table has other columns than the catalog: copying it would lose data.
    private func checkSchema(of table: ParkTable, on side: ParkCopyError.Side) async throws {
        let database = side == .source ? source : target
        let stored = Set(try await database.storedColumns(of: table))
        let catalog = Set(table.columnNames)
        guard stored == catalog else {
            throw ParkCopyError.schemaDiffers(
                table: table.name, side: side, missing: catalog.subtracting(stored).sorted(),
                unknown: stored.subtracting(catalog).sorted())
        }
    }

    /// Copies one table, then reads the target's rows back and compares.
    private func copy(_ table: ParkTable, progress: @Sendable (ParkCopyProgress) -> Void) async throws -> TableCopy {
        let copied = try await stream(table, progress: progress)
        let landed = try await readBack(table, expecting: copied.rows, progress: progress)
        guard landed == copied else { throw ParkCopyError.verificationFailed(source: copied, target: landed) }
        return copied
    }

    /// Streams the table's rows from source to target; returns how many were read and their checksum.
    private func stream(_ table: ParkTable, progress: @Sendable (ParkCopyProgress) -> Void) async throws -> TableCopy {
        let counted = try await source.rowCount(of: table)
        progress(ParkCopyProgress(table: table.name, phase: .copying, rowsDone: 0, rowsTotal: counted))
        var checksum = ParkChecksum()
        var copied = 0
        var page = try await source.readRows(of: table, after: nil, limit: batchSize)
        while !page.isEmpty {
            let lastKey = table.key(of: page[page.count - 1])
            let isLastPage = page.count < batchSize
            // Read the next page while this one is written, so both engines work at once.
            async let nextPage: [[ParkCell]] =
                isLastPage ? [] : source.readRows(of: table, after: lastKey, limit: batchSize)
            try await target.insert(page, into: table)
            for row in page { checksum.add(row) }
            copied += page.count
            progress(
                ParkCopyProgress(table: table.name, phase: .copying, rowsDone: copied, rowsTotal: max(counted, copied)))
            page = try await nextPage
        }
        guard copied == counted else {
            throw ParkCopyError.sourceChanged(table: table.name, counted: counted, read: copied)
        }
        return TableCopy(table: table.name, rows: copied, checksum: checksum)
    }

    /// Counts and reads the table's rows in the target; returns their number (the count, when it
    /// disagrees with `expected`) and checksum.
    private func readBack(
        _ table: ParkTable, expecting expected: Int, progress: @Sendable (ParkCopyProgress) -> Void
    ) async throws -> TableCopy {
        let counted = try await target.rowCount(of: table)
        var checksum = ParkChecksum()
        var read = 0
        var key: [ParkCell]? = nil
        progress(ParkCopyProgress(table: table.name, phase: .verifying, rowsDone: 0, rowsTotal: expected))
        while true {
            let rows = try await target.readRows(of: table, after: key, limit: batchSize)
            guard !rows.isEmpty else { break }
            for row in rows { checksum.add(row) }
            read += rows.count
            progress(
                ParkCopyProgress(table: table.name, phase: .verifying, rowsDone: read, rowsTotal: max(expected, read)))
            guard rows.count == batchSize else { break }
            key = table.key(of: rows[rows.count - 1])
        }
        return TableCopy(table: table.name, rows: counted == expected ? read : counted, checksum: checksum)
    }
}

/// How far a copy has come, reported after every page.
public struct ParkCopyProgress: Sendable, Hashable {
    /// Whether rows are being copied or read back from the target.
    public enum Phase: Sendable, Hashable {
        case copying, verifying
    }

    public var table: String
    public var phase: Phase
    public var rowsDone: Int
    public var rowsTotal: Int

    public init(table: String, phase: Phase, rowsDone: Int, rowsTotal: Int) {
        self.table = table
        self.phase = phase
        self.rowsDone = rowsDone
        self.rowsTotal = rowsTotal
    }
}

/// One copied table: how many rows it holds and their checksum.
public struct TableCopy: Sendable, Hashable {
    public var table: String
    public var rows: Int
    public var checksum: ParkChecksum

    public init(table: String, rows: Int, checksum: ParkChecksum) {
        self.table = table
        self.rows = rows
        self.checksum = checksum
    }
}

/// What a finished, verified copy moved.
public struct ParkCopyReport: Sendable, Hashable {
    /// Every table in copy order.
    public var tables: [TableCopy]

    public init(tables: [TableCopy]) { self.tables = tables }

    public var totalRows: Int { tables.reduce(0) { $0 + $1.rows } }
}

/// Why a copy stopped.
public enum ParkCopyError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Which of the two databases a problem is in.
    public enum Side: String, Sendable {
        case source, target
    }

    /// The source holds no rows at all.
    case sourceEmpty
    /// The target already holds rows and the copy was not asked to replace them.
    case targetNotEmpty
    /// A database's table has other columns than this version of LabelPark knows, so a copy would lose data.
    case schemaDiffers(table: String, side: Side, missing: [String], unknown: [String])
    /// The source gained or lost rows while they were copied: something still writes to it.
    case sourceChanged(table: String, counted: Int, read: Int)
    /// The target does not hold what was copied into it.
    case verificationFailed(source: TableCopy, target: TableCopy)

    public var description: String {
        switch self {
        case .sourceEmpty:
            return "the source holds no park: every table is empty"
        case .targetNotEmpty:
            return "the target already holds a park; empty it first or ask to replace it"
        case .schemaDiffers(let table, let side, let missing, let unknown):
            var differences: [String] = []
            if !missing.isEmpty { differences.append("lacks \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { differences.append("has unknown \(unknown.joined(separator: ", "))") }
            return "the \(side.rawValue)'s table \(table) \(differences.joined(separator: " and ")); "
                + "migrate both databases with this version of LabelPark first"
        case .sourceChanged(let table, let counted, let read):
            return "the source changed during the copy of \(table) (counted \(counted) rows, read \(read)); "
                + "stop everything that writes to it and copy again"
        case .verificationFailed(let source, let target):
            return "verification of \(source.table) failed: the source had \(source.rows) rows "
                + "(checksum \(source.checksum)), the target has \(target.rows) (checksum \(target.checksum))"
        }
    }
}

/// An order-independent 64-bit checksum of a table's rows: the wrapping sum of every row's FNV-1a hash.
///
/// It detects accidental differences (a lost, duplicated or altered row or value), not deliberate
/// tampering: FNV is no cryptographic hash. Summing makes it independent of row order, because the engines
/// may sort text keys differently. A row is hashed in a canonical encoding of its typed values, so a value
/// hashes the same whichever engine it came from: per cell a tag byte (0 null, 1 integer, 2 text), then an
/// integer as 8 bytes little-endian, or a text as its UTF-8 length (8 bytes little-endian) and its bytes.
public struct ParkChecksum: Sendable, Hashable, CustomStringConvertible {
    public private(set) var value: UInt64

    public init(value: UInt64 = 0) { self.value = value }

    /// Adds one row.
    public mutating func add(_ row: [ParkCell]) {
        value &+= Self.hash(of: row)
    }

    /// The FNV-1a hash of a row's canonical encoding.
    public static func hash(of row: [ParkCell]) -> UInt64 {
        var hasher = FNV1a()
        for cell in row {
            switch cell {
            case .null:
                hasher.add(0)
            case .integer(let integer):
                hasher.add(1)
                hasher.addLittleEndian(UInt64(bitPattern: integer))
            case .text(let text):
                hasher.add(2)
                hasher.addLittleEndian(UInt64(text.utf8.count))
                for byte in text.utf8 { hasher.add(byte) }
            }
        }
        return hasher.state
    }

    /// The 64-bit FNV-1a hash of some bytes.
    public static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hasher = FNV1a()
        for byte in bytes { hasher.add(byte) }
        return hasher.state
    }

    /// Sixteen lowercase hex digits.
    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// The 64-bit FNV-1a hash, fed a byte at a time.
private struct FNV1a {
    var state: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func addLittleEndian(_ word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { add(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }
}
