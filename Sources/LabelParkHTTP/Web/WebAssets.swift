import Foundation
import Mustache

/// The web UI's files, bundled with this module: templates, static assets and translations.
public struct WebAssets: Sendable {
    /// `Public/`: CSS, ES modules and translation files, served under `/static`.
    public let publicDirectory: URL
    let templates: MustacheLibrary
    let translations: Translations
    let staticFiles: StaticFiles

    /// Loads the templates and translations bundled with LabelParkHTTP.
    public static func bundled() async throws -> WebAssets {
        guard let resources = Bundle.module.resourceURL else { throw WebAssetsError.missing("resources") }
        return try await WebAssets(directory: resources)
    }

    /// Loads them from a directory holding `Templates/` and `Public/`.
    init(directory: URL) async throws {
        let templateDirectory = directory.appendingPathComponent("Templates").path
        guard FileManager.default.fileExists(atPath: templateDirectory) else {
            throw WebAssetsError.missing(templateDirectory)
        }
        self.publicDirectory = directory.appendingPathComponent("Public")
        self.templates = try await MustacheLibrary(directory: templateDirectory)
        self.translations = try Translations(directory: publicDirectory.appendingPathComponent("i18n"))
        self.staticFiles = try StaticFiles(directory: publicDirectory)
    }

    /// Renders a template; a missing one is a packaging error, answered with a 500 rather than a crash.
    func render(_ template: String, _ context: [String: Any]) throws -> String {
        guard let html = templates.render(context, withTemplate: template) else {
            throw WebAssetsError.missing("template \(template)")
        }
        return html
    }
}

enum WebAssetsError: Error, CustomStringConvertible {
    case missing(String)
    case invalidTranslation(String)

    var description: String {
        switch self {
        case .missing(let path): "the web UI's files are missing: \(path)"
        case .invalidTranslation(let file): "\(file) is not a JSON object of strings"
        }
    }
}

/// Every visible string of the UI, per language: `Public/i18n/<lang>/<group>.json` files merged into one
/// nested dictionary per language, given to templates as `t` and to scripts as `/i18n/<lang>.json`.
struct Translations: @unchecked Sendable {
    // Unchecked: the dictionaries are built once and only read afterwards.
    static let languages = ["en", "zh-CN"]

    private let dictionaries: [String: [String: Any]]
    private let documents: [String: [UInt8]]

    init(directory: URL) throws {
        var dictionaries: [String: [String: Any]] = [:]
        var documents: [String: [UInt8]] = [:]
        for language in Self.languages {
            let folder = directory.appendingPathComponent(language)
            var merged: [String: Any] = [:]
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".json") }.sorted()
            for file in files {
                let data = try Data(contentsOf: folder.appendingPathComponent(file))
                guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw WebAssetsError.invalidTranslation("\(language)/\(file)")
                }
                merged.merge(object) { _, new in new }
            }
            dictionaries[language] = merged
            documents[language] = Array(try JSONSerialization.data(withJSONObject: merged, options: [.sortedKeys]))
        }
        self.dictionaries = dictionaries
        self.documents = documents
    }

    func dictionary(for language: String) -> [String: Any] { dictionaries[language] ?? [:] }

    func document(for language: String) -> [UInt8]? { documents[language] }

    /// A string by dotted key (`login.title`), or the key itself when missing so gaps are visible.
    func string(_ key: String, in language: String) -> String {
        var node: Any? = dictionaries[language]
        for part in key.split(separator: ".") { node = (node as? [String: Any])?[String(part)] }
        return node as? String ?? key
    }

    /// The language to answer in: an explicit choice, else the best of `Accept-Language`, else English.
    static func language(chosen: String?, acceptLanguage: String?) -> String {
        if let chosen, languages.contains(chosen) { return chosen }
        for range in (acceptLanguage ?? "").split(separator: ",") {
            // A range may be empty (`;`, `,,`): `split` then yields nothing, so take the prefix instead.
            let tag = range.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
            if tag.hasPrefix("zh") { return "zh-CN" }
            if tag.hasPrefix("en") { return "en" }
        }
        return "en"
    }
}
