import LabelParkCore

/// Review-like Chinese text from a seeded generator: clauses of common characters, Chinese punctuation,
/// and now and then a Latin word or number, as in real product reviews and posts.
struct TextGenerator {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    private static let characters = Array(
        ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
            + "行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其"
            + "些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
            + "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接"
            + "知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处世车快递包装客服物流价格屏幕电池手机耳机")
            .unicodeScalars)
    private static let punctuation = Array("，，，。。！？、".unicodeScalars)
    // Some carry an ASCII comma or quote, so CSV imports meet quoted cells as they do in real files.
    private static let latinFragments = ["iPhone", "App", "5G", "2024", "OK", "Wi-Fi", "USB-C", "Pro, Max", "\"Plus\""]

    /// A text of exactly `count` Unicode scalars.
    mutating func text(scalars count: Int) -> String {
        var scalars: [Unicode.Scalar] = []
        while scalars.count < count { appendClause(to: &scalars) }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars.prefix(count))
        return String(text)
    }

    /// A text of at least `bytes` UTF-8 bytes, ending at a clause boundary.
    mutating func text(utf8Bytes bytes: Int) -> String {
        var text = ""
        var clause: [Unicode.Scalar] = []
        while text.utf8.count < bytes {
            clause.removeAll(keepingCapacity: true)
            appendClause(to: &clause)
            text.unicodeScalars.append(contentsOf: clause)
        }
        return text
    }

    /// A number in `range`, drawn from the same stream as the text.
    mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    /// One of `choices`.
    mutating func pick<Element>(_ choices: [Element]) -> Element { choices.randomElement(using: &random)! }

    /// True with probability `percent` / 100.
    mutating func chance(percent: Int) -> Bool { int(in: 1...100) <= percent }

    private mutating func appendClause(to scalars: inout [Unicode.Scalar]) {
        if chance(percent: 8) {
            scalars.append(contentsOf: pick(Self.latinFragments).unicodeScalars)
        }
        for _ in 0..<int(in: 4...16) { scalars.append(pick(Self.characters)) }
        scalars.append(pick(Self.punctuation))
    }
}
