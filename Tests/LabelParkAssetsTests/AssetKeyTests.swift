import LabelParkAssets
import Testing

@Suite("Asset keys")
struct AssetKeyTests {
    @Test("keys are relative paths of safe components, never outside the store")
    func validation() {
        for good in ["a", "blobs/ab/cd/x.jpg", "tiles/abc/12/3_4.jpg", "A-Z_0.9"] {
            #expect(AssetKey(rawValue: good) != nil, "\(good)")
        }
        for bad in ["", "/abs", "a//b", "a/../b", "..", ".", "a/./b", "sp ace", "煤矿", "a\u{0}b", "a\\b", "a/"] {
            #expect(AssetKey(rawValue: bad) == nil, "\(bad)")
        }
        #expect(AssetKey(rawValue: String(repeating: "a", count: 513)) == nil)
    }

    @Test("blobs are named by their SHA-256 and fanned out over two directory levels")
    func blobs() {
        let digest = String(repeating: "0123456789abcdef", count: 4)
        #expect(AssetKey.blob(sha256: digest)?.rawValue == "blobs/01/23/\(digest)")
        #expect(AssetKey.blob(sha256: digest.uppercased()) == nil)
        #expect(AssetKey.blob(sha256: "abc") == nil)
        #expect(
            AssetKey.tile(sha256: digest, level: 12, column: 3, row: 4, suffix: "jpg")?.rawValue
                == "tiles/\(digest)/12/3_4.jpg")
        #expect(AssetKey.tile(sha256: digest, level: -1, column: 3, row: 4, suffix: "jpg") == nil)
    }
}
