/// Levenshtein distance between two sequences, in O(n·⌈m/64⌉) time and O(m) memory, m the shorter length.
public enum EditDistance {
    /// The fewest single-element insertions, deletions and substitutions that turn `reference` into `hypothesis`.
    ///
    /// With unit costs this is S + D + I of the cheapest alignment, the numerator of jiwer's WER and CER.
    public static func levenshtein<Element: Hashable>(_ reference: [Element], _ hypothesis: [Element]) -> Int {
        reference.withUnsafeBufferPointer { reference in
            hypothesis.withUnsafeBufferPointer { hypothesis in distance(reference, hypothesis) }
        }
    }

    static func distance<Element: Hashable>(
        _ first: UnsafeBufferPointer<Element>, _ second: UnsafeBufferPointer<Element>
    ) -> Int {
        // A shared prefix or suffix never needs an edit, so only the differing middle is compared; near-identical
        // transcripts (the common case) then cost almost nothing.
        var start = 0
        var firstEnd = first.count
        var secondEnd = second.count
        while start < firstEnd, start < secondEnd, first[start] == second[start] { start += 1 }
        while firstEnd > start, secondEnd > start, first[firstEnd - 1] == second[secondEnd - 1] {
            firstEnd -= 1
            secondEnd -= 1
        }
        let firstMiddle = UnsafeBufferPointer(rebasing: first[start..<firstEnd])
        let secondMiddle = UnsafeBufferPointer(rebasing: second[start..<secondEnd])
        // The distance is symmetric; the shorter sequence becomes the bit-vector "pattern" so memory follows it.
        let (long, short) =
            firstMiddle.count >= secondMiddle.count ? (firstMiddle, secondMiddle) : (secondMiddle, firstMiddle)
        guard !short.isEmpty else { return long.count }
        return BitParallelLevenshtein(pattern: short).distance(to: long)
    }
}

/// Myers' bit-vector algorithm (1999) for global edit distance, with the pattern split into 64-row blocks.
///
/// The dynamic-programming table D (pattern along the rows, text along the columns) is never stored. Each column is
/// kept as its vertical differences D[i][j] − D[i−1][j] ∈ {−1, 0, +1}, one bit per row in two words per block
/// (`plus`, `minus`), and one text element advances a whole block with a handful of word operations. The bottom
/// row's horizontal differences, summed from D[m][0] = m, give the distance.
struct BitParallelLevenshtein<Element: Hashable> {
    let length: Int
    let blockCount: Int
    let symbols: [Element: Int]
    /// For symbol s, entries `symbolStarts[s]..<symbolStarts[s + 1]` list the blocks holding it, in order, with the
    /// mask of its rows there. Stored sparsely so memory is O(m) however large the alphabet.
    let symbolStarts: [Int]
    let entryBlocks: [Int]
    let entryMasks: [UInt64]

    init(pattern: UnsafeBufferPointer<Element>) {
        length = pattern.count
        blockCount = (pattern.count + 63) / 64
        var symbols: [Element: Int] = [:]
        let codes = pattern.map { element in
            if let code = symbols[element] { return code }
            symbols[element] = symbols.count
            return symbols.count - 1
        }
        self.symbols = symbols
        var lastBlock = [Int](repeating: -1, count: symbols.count)
        var starts = [Int](repeating: 0, count: symbols.count + 1)
        for (row, code) in codes.enumerated() where lastBlock[code] != row / 64 {
            lastBlock[code] = row / 64
            starts[code + 1] += 1
        }
        for code in 0..<symbols.count { starts[code + 1] += starts[code] }
        var next = starts
        var blocks = [Int](repeating: 0, count: starts[symbols.count])
        var masks = [UInt64](repeating: 0, count: starts[symbols.count])
        lastBlock = [Int](repeating: -1, count: symbols.count)
        for (row, code) in codes.enumerated() {
            let block = row / 64
            if lastBlock[code] != block {
                lastBlock[code] = block
                blocks[next[code]] = block
                next[code] += 1
            }
            masks[next[code] - 1] |= 1 << UInt64(row % 64)
        }
        symbolStarts = starts
        entryBlocks = blocks
        entryMasks = masks
    }

    func distance(to text: UnsafeBufferPointer<Element>) -> Int {
        // Column 0 is D[i][0] = i: every vertical difference is +1.
        var plus = [UInt64](repeating: ~0, count: blockCount)
        var minus = [UInt64](repeating: 0, count: blockCount)
        let lastRowBit = UInt64((length - 1) % 64)
        var score = length
        for element in text {
            var entry = 0
            var entryEnd = 0
            if let code = symbols[element] {
                entry = symbolStarts[code]
                entryEnd = symbolStarts[code + 1]
            }
            // Row 0 is D[0][j] = j: the difference entering the first block from above is +1.
            var carry = 1
            for block in 0..<blockCount {
                var equal: UInt64 = 0
                if entry < entryEnd, entryBlocks[entry] == block {
                    equal = entryMasks[entry]
                    entry += 1
                }
                let verticalPlus = plus[block]
                let verticalMinus = minus[block]
                let vertical = equal | verticalMinus
                // A −1 entering from above acts like a match in the block's top row.
                if carry < 0 { equal |= 1 }
                let horizontal = (((equal & verticalPlus) &+ verticalPlus) ^ verticalPlus) | equal
                var horizontalPlus = verticalMinus | ~(horizontal | verticalPlus)
                var horizontalMinus = verticalPlus & horizontal
                let bottom = block == blockCount - 1 ? lastRowBit : 63
                let outgoing = Int((horizontalPlus >> bottom) & 1) - Int((horizontalMinus >> bottom) & 1)
                horizontalPlus <<= 1
                horizontalMinus <<= 1
                if carry < 0 { horizontalMinus |= 1 } else if carry > 0 { horizontalPlus |= 1 }
                plus[block] = horizontalMinus | ~(vertical | horizontalPlus)
                minus[block] = horizontalPlus & vertical
                carry = outgoing
            }
            score += carry
        }
        return score
    }
}

/// Character and word error rates of a transcript against a reference, as jiwer 4 defines CER and WER.
///
/// Characters are Unicode scalars (Python's code points) of each text with white space trimmed from both ends;
/// inner spaces count as characters. Words are the runs of non-white-space scalars. Scalars are compared exactly,
/// not by canonical equivalence: a precomposed "é" and "e" + U+0301 differ, as they do in Python.
///
/// A rate is edits ÷ reference length. For an empty reference jiwer 4 reports the number of insertions, which is
/// the hypothesis length; so do these rates: 0 when both are empty, and possibly above 1 otherwise.
public struct TextErrorRates: Sendable, Hashable {
    /// Levenshtein distance between the trimmed texts' scalars.
    public var characterEdits: Int
    /// Scalars in the trimmed reference.
    public var referenceCharacterCount: Int
    /// Levenshtein distance between the texts' word sequences.
    public var wordEdits: Int
    /// Words in the reference.
    public var referenceWordCount: Int

    public init(characterEdits: Int, referenceCharacterCount: Int, wordEdits: Int, referenceWordCount: Int) {
        self.characterEdits = characterEdits
        self.referenceCharacterCount = referenceCharacterCount
        self.wordEdits = wordEdits
        self.referenceWordCount = referenceWordCount
    }

    /// How many characters of each text are compared: edit distance costs the product of the lengths, and
    /// a gold answer is scored inside the submission's write, so two 1 MB texts must not take seconds.
    /// Texts beyond it are measured on their first `scoredLength` characters.
    public static let scoredLength = 10_000

    /// Measures `hypothesis` against `reference` (each on its first `scoredLength` characters).
    public init(reference: String, hypothesis: String) {
        let referenceScalars = Array(Self.trimmedScalars(of: reference).prefix(Self.scoredLength))
        let hypothesisScalars = Array(Self.trimmedScalars(of: hypothesis).prefix(Self.scoredLength))
        var vocabulary: [ArraySlice<Unicode.Scalar>: Int] = [:]
        let referenceWords = Self.wordCodes(of: referenceScalars, vocabulary: &vocabulary)
        let hypothesisWords = Self.wordCodes(of: hypothesisScalars, vocabulary: &vocabulary)
        self.init(
            characterEdits: EditDistance.levenshtein(referenceScalars, hypothesisScalars),
            referenceCharacterCount: referenceScalars.count,
            wordEdits: EditDistance.levenshtein(referenceWords, hypothesisWords),
            referenceWordCount: referenceWords.count)
    }

    /// CER: character edits per reference character.
    public var characterErrorRate: Double { Self.rate(edits: characterEdits, referenceCount: referenceCharacterCount) }

    /// WER: word edits per reference word.
    public var wordErrorRate: Double { Self.rate(edits: wordEdits, referenceCount: referenceWordCount) }

    static func rate(edits: Int, referenceCount: Int) -> Double {
        referenceCount == 0 ? Double(edits) : Double(edits) / Double(referenceCount)
    }

    static func trimmedScalars(of text: String) -> [Unicode.Scalar] {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return [] }
        return Array(scalars[first...last])
    }

    /// Each word as a small integer, equal for equal words, so the word alignment compares integers, not strings.
    static func wordCodes(
        of scalars: [Unicode.Scalar], vocabulary: inout [ArraySlice<Unicode.Scalar>: Int]
    ) -> [Int] {
        var codes: [Int] = []
        var wordStart: Int?
        for index in 0...scalars.count {
            let isBreak = index == scalars.count || scalars[index].properties.isWhitespace
            if isBreak, let start = wordStart {
                let word = scalars[start..<index]
                if let code = vocabulary[word] {
                    codes.append(code)
                } else {
                    vocabulary[word] = vocabulary.count
                    codes.append(vocabulary.count - 1)
                }
                wordStart = nil
            } else if !isBreak, wordStart == nil {
                wordStart = index
            }
        }
        return codes
    }
}
