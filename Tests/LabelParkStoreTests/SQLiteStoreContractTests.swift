import LabelParkCore
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Synchronization
import Testing

/// The store contract on a real SQLite file, one test case per contract check.
@Suite struct SQLiteStoreContractTests {
    @Test(arguments: StoreContract.all.map(\.name))
    func contract(_ name: String) async throws {
        let check = try #require(StoreContract.all.first { $0.name == name })
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let counter = Counter()
        try await check.run(
            StoreFactory { clock, draws in
                try SQLiteParkStore(path: directory.path("park-\(counter.next()).sqlite"), clock: clock, draws: draws)
            })
    }
}

/// Numbers the stores one contract check opens, so each gets its own file.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock {
            $0 += 1; return $0
        }
    }
}
