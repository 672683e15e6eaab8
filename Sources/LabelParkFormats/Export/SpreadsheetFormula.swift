/// Keeps CSV cells from running as spreadsheet formulas (CSV injection).
///
/// Excel, LibreOffice and Google Sheets evaluate a cell whose text starts with `=`, `+`, `-` or `@` (and,
/// after their own trimming, TAB or CR) as a formula; a task's text or an annotator's answer could then run
/// `=HYPERLINK(…)` or worse on a manager's machine. Such a cell is written with a leading apostrophe, which
/// every spreadsheet shows as text and hides. A cell that is a plain number (`-3`, `+2.5e3`) stays as it is,
/// so ratings remain numbers. Apostrophes already in front of a formula character get one more, so
/// `restore` gives back exactly the original text.
public enum SpreadsheetFormula {
    /// The cell as written to a CSV export.
    public static func neutralise(_ cell: String) -> String {
        needsEscape(cell) ? "'" + cell : cell
    }

    /// The original text of a cell `neutralise` wrote; what a program reading our CSV exports applies.
    public static func restore(_ cell: String) -> String {
        guard cell.first == "'", needsEscape(String(cell.dropFirst())) else { return cell }
        return String(cell.dropFirst())
    }

    private static let triggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    private static func needsEscape(_ cell: String) -> Bool {
        let afterApostrophes = cell.drop { $0 == "'" }
        guard let first = afterApostrophes.first, triggers.contains(first) else { return false }
        return afterApostrophes.count == cell.count ? !isPlainNumber(cell) : true
    }

    /// `-12`, `+0.5`, `-1e-3`: what a spreadsheet reads as a number, never as a formula.
    private static func isPlainNumber(_ text: String) -> Bool {
        var rest = Substring(text)
        if let sign = rest.first, sign == "-" || sign == "+" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let exponent = rest.dropFirst(mantissa.count)
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard !mantissa.isEmpty, parts.count <= 2, parts.contains(where: { !$0.isEmpty }),
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigitCharacter) })
        else { return false }
        guard !exponent.isEmpty else { return true }
        var digits = exponent.dropFirst()
        if let sign = digits.first, sign == "-" || sign == "+" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigitCharacter)
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
