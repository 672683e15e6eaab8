/// Whole-table access to a park's database: what `ParkCopy` needs to move every row between engines.
///
/// Unlike `ParkStore` it knows no tenants and no rules; it is the operator's tool, used by
/// `labelpark db copy` while no server writes to either database. Rows carry their values in
/// `ParkTable.columns` order.
public protocol ParkTableAccess: Sendable {
    /// The names of the columns the database's schema really has for `table`, in any order.
    func storedColumns(of table: ParkTable) async throws -> [String]

    /// The number of rows in `table`.
    func rowCount(of table: ParkTable) async throws -> Int

    /// Up to `limit` rows of `table` whose primary key sorts after `key` (from the first row when `nil`), in
    /// primary-key order.
    ///
    /// Integers compare as integers; text keys sort the way this engine sorts them, which may differ from
    /// another engine (SQLite compares bytes, PostgreSQL follows the database's collation).
    func readRows(of table: ParkTable, after key: [ParkCell]?, limit: Int) async throws -> [[ParkCell]]

    /// Whether no LabelPark table holds a row.
    func isEmpty() async throws -> Bool

    /// Deletes every row of every LabelPark table in one transaction.
    func removeAllRows() async throws

    /// Inserts rows into `table` in one transaction: all of them or none.
    func insert(_ rows: [[ParkCell]], into table: ParkTable) async throws

    /// Makes the database ready for new rows after a load: ids it generates continue after the largest
    /// loaded one.
    func finishLoading() async throws
}

/// Why an engine could not read or write a table's rows.
public enum ParkTableError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A stored value does not have its column's kind (the row was edited by hand or the schema changed).
    case unexpectedValue(table: String, column: String)
    /// The database refused rows, for the reason it gave (a constraint the other engine does not have).
    case refused(table: String, reason: String)

    public var description: String {
        switch self {
        case .unexpectedValue(let table, let column):
            "\(table).\(column) holds a value of another kind than the copy expects"
        case .refused(let table, let reason):
            "the database refused rows of \(table): \(reason)"
        }
    }
}
