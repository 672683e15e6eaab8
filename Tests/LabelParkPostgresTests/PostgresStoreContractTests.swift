import LabelParkCore
import LabelParkPostgres
import LabelParkStore
import LabelParkTestSupport
import Testing

/// The store contract on a real PostgreSQL server, one test case per check, each in its own schema.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, "set LABELPARK_TEST_DATABASE_URL to a loopback server"))
struct PostgresStoreContractTests {
    @Test(arguments: StoreContract.all.map(\.name))
    func contract(_ name: String) async throws {
        let check = try #require(StoreContract.all.first { $0.name == name })
        try await PostgresTestDatabase.withStores { makeStore in try await check.run(makeStore) }
    }
}
