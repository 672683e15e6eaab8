import LabelParkCore
import LabelParkFormats
import Testing

@Suite("CSV cells a spreadsheet would run as formulas")
struct SpreadsheetFormulaTests {
    @Test(
        "formula starts get an apostrophe; plain numbers and ordinary text stay",
        arguments: [
            ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
            ("\r=x", "'\r=x"), ("'=x", "''=x"), ("''+x", "'''+x"), ("-3", "-3"), ("+2.5e3", "+2.5e3"), ("-.5", "-.5"),
            ("-", "'-"), ("-e5", "'-e5"), ("text", "text"), ("'quoted", "'quoted"), ("", ""), ("a=b", "a=b"),
        ])
    func neutralise(cell: String, written: String) {
        #expect(SpreadsheetFormula.neutralise(cell) == written)
        #expect(SpreadsheetFormula.restore(written) == cell)
    }

    @Test("restore(neutralise(x)) == x for random cells made of formula characters, apostrophes and digits")
    func roundTrip() {
        var random = SplitMix64(seed: 11)
        let alphabet = Array("=+-@'\t\r0123456789.eEa ")
        for _ in 0..<20_000 {
            let length = Int(random.next() % 7)
            let cell = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            #expect(SpreadsheetFormula.restore(SpreadsheetFormula.neutralise(cell)) == cell, "\(cell.debugDescription)")
        }
    }
}
