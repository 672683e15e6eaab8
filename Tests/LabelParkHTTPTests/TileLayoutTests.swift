import LabelParkHTTP
import Testing

@Suite("Deep Zoom tile layout")
struct TileLayoutTests {
    /// Every tile the layout says a pyramid has.
    static func tileCount(width: Int, height: Int) -> Int {
        let top = TileLayout.maxLevel(width: width, height: height)
        var count = 0
        for level in 0...top {
            for column in 0..<200 {
                for row in 0..<200
                where TileLayout.contains(level: level, column: column, row: row, width: width, height: height) {
                    count += 1
                }
            }
        }
        return count
    }

    @Test("the layout names exactly the tiles vips dzsave writes")
    func countsMatchVips() {
        // Counted in the files `vips dzsave --tile-size 256 --overlap 0 --depth onepixel` wrote
        // (Tests/process/media_test.py, docs/BENCHMARKS.md).
        #expect(Self.tileCount(width: 4_200, height: 3_000) == 290)
        #expect(Self.tileCount(width: 20_000, height: 20_000) == 8_388)
        #expect(TileLayout.maxLevel(width: 20_000, height: 20_000) == 15)
    }

    @Test("tiles outside the pyramid are not there")
    func outside() {
        #expect(TileLayout.contains(level: 13, column: 19, row: 1, width: 5_000, height: 300))
        #expect(!TileLayout.contains(level: 13, column: 20, row: 0, width: 5_000, height: 300))
        #expect(!TileLayout.contains(level: 13, column: 0, row: 2, width: 5_000, height: 300))
        #expect(!TileLayout.contains(level: 14, column: 0, row: 0, width: 5_000, height: 300))
        #expect(!TileLayout.contains(level: -1, column: 0, row: 0, width: 5_000, height: 300))
        #expect(TileLayout.contains(level: 0, column: 0, row: 0, width: 5_000, height: 300))
        #expect(!TileLayout.contains(level: 0, column: -1, row: 0, width: 5_000, height: 300))
    }
}
