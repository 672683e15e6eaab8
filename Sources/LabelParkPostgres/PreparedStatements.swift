import Logging
import PostgresNIO

/// A hot statement that PostgreSQL parses and plans once per connection instead of on every call.
///
/// Parsing and planning the claim and submission statements cost PostgreSQL more than executing them
/// (they are a few index probes). A shape names one statement and gives its SQL, taken from the same
/// builder the call uses, so the text cannot drift; every parameter carries an explicit cast in the SQL,
/// so the server infers the types the driver binds.
protocol PreparedShape {
    static var name: String { get }
    static var sql: String { get }
}

/// One execution of a prepared shape with the binds of a query built for it.
struct Prepared<Shape: PreparedShape>: PostgresPreparedStatement {
    static var name: String { Shape.name }
    static var sql: String { Shape.sql }

    let query: PostgresQuery

    init(_ query: PostgresQuery) {
        assert(query.sql == Shape.sql, "\(Shape.name) was built with other SQL than its shape")
        self.query = query
    }

    func makeBindings() throws -> PostgresBindings { query.binds }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension PostgresConnection {
    /// Runs a prepared shape with the binds of `query` and returns every row.
    @discardableResult
    func run<Shape: PreparedShape>(
        _ shape: Shape.Type, _ query: PostgresQuery, logger: Logger
    ) async throws
        -> [PostgresRow]
    {
        try await execute(Prepared<Shape>(query), logger: logger).reduce(into: []) { $0.append($1) }
    }

    /// Runs a prepared shape with the binds of `query` and returns its first row, if any.
    func first<Shape: PreparedShape>(
        _ shape: Shape.Type, _ query: PostgresQuery, logger: Logger
    ) async throws
        -> PostgresRow?
    {
        try await run(shape, query, logger: logger).first
    }
}
