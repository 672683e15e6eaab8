import Foundation

/// The schema most HTTP tests use: a text field, a required choice and NER spans over the text.
let sentimentSchemaJSON = """
    {"fields":[{"name":"text","type":"text"}],"questions":[\
    {"name":"sentiment","type":"choice","options":["pos","neg","neu"],"required":true},\
    {"name":"entities","type":"spans","field":"text","labels":["PER","ORG"]}]}
    """

/// `text` as a JSON string literal, escaped by Foundation so tests never hand-escape hostile strings.
func jsonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
    let array = String(decoding: data, as: UTF8.self)
    return String(array.dropFirst().dropLast())
}

/// The lines of an NDJSON body, each parsed; a line that is not JSON becomes `NSNull`.
func ndjsonObjects(_ text: String) -> [Any] {
    text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])) ?? NSNull()
    }
}

/// Reads RFC 4180 CSV (quoted fields with doubled quotes and line breaks) into rows of cells.
func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var cell = String.UnicodeScalarView()
    var inQuotes = false
    var quotePending = false
    var scalars = text.unicodeScalars.makeIterator()
    while let scalar = scalars.next() {
        if inQuotes {
            if quotePending {
                quotePending = false
                if scalar == "\"" {
                    cell.append(scalar)
                    continue
                }
                inQuotes = false
            } else if scalar == "\"" {
                quotePending = true
                continue
            } else {
                cell.append(scalar)
                continue
            }
        }
        switch scalar {
        case "\"": inQuotes = true
        case ",":
            row.append(String(cell))
            cell = String.UnicodeScalarView()
        case "\r": continue
        case "\n":
            row.append(String(cell))
            rows.append(row)
            row = []
            cell = String.UnicodeScalarView()
        default: cell.append(scalar)
        }
    }
    if !cell.isEmpty || !row.isEmpty {
        row.append(String(cell))
        rows.append(row)
    }
    return rows
}
