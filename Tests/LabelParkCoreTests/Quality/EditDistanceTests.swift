import LabelParkCore
import Testing

@Suite("Edit distance and text error rates")
struct EditDistanceTests {
    func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    @Test("Levenshtein distance of hand-worked pairs")
    func handWorked() {
        // kitten → sitting: k→s, e→i, insert g.
        #expect(EditDistance.levenshtein(scalars("kitten"), scalars("sitting")) == 3)
        #expect(EditDistance.levenshtein(scalars("sitting"), scalars("kitten")) == 3)
        // flaw → lawn: delete f, insert n.
        #expect(EditDistance.levenshtein(scalars("flaw"), scalars("lawn")) == 2)
        #expect(EditDistance.levenshtein(scalars(""), scalars("")) == 0)
        #expect(EditDistance.levenshtein(scalars(""), scalars("abc")) == 3)
        #expect(EditDistance.levenshtein(scalars("abc"), scalars("")) == 3)
        #expect(EditDistance.levenshtein(scalars("same"), scalars("same")) == 0)
        // Only the middle differs: the shared prefix "ab" and suffix "yz" cost nothing; c→d.
        #expect(EditDistance.levenshtein(scalars("abcyz"), scalars("abdyz")) == 1)
        // Chinese: one substitution (气→汽) among six scalars.
        #expect(EditDistance.levenshtein(scalars("今天天气很好"), scalars("今天天汽很好")) == 1)
        // 👍🏽 is two scalars (thumb + skin tone); dropping the tone is one deletion.
        #expect(EditDistance.levenshtein(scalars("ok👍🏽"), scalars("ok👍")) == 1)
        // Words as elements: "a b c" → "a x c d" is one substitution and one insertion.
        #expect(EditDistance.levenshtein(["a", "b", "c"], ["a", "x", "c", "d"]) == 2)
    }

    /// The full (n+1)×(m+1) table, as a reference for the two-row version.
    func tableDistance(_ a: [Int], _ b: [Int]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                table[i][j] = min(
                    table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
        }
        return table[a.count][b.count]
    }

    @Test(
        "equals the full dynamic-programming table on random sequences, across 64-element blocks",
        arguments: [
            (count: 600, maxLength: 12, alphabet: 3), (count: 60, maxLength: 300, alphabet: 4),
            (count: 20, maxLength: 200, alphabet: 200),
        ])
    func matchesFullTable(count: Int, maxLength: Int, alphabet: Int) {
        var generator = SplitMix64(seed: UInt64(maxLength))
        for _ in 0..<count {
            let a = (0..<Int.random(in: 0...maxLength, using: &generator)).map { _ in
                Int.random(in: 0..<alphabet, using: &generator)
            }
            var b = a
            // Mostly similar sequences, as transcripts are, plus some unrelated ones.
            if Bool.random(using: &generator) {
                b = (0..<Int.random(in: 0...maxLength, using: &generator)).map { _ in
                    Int.random(in: 0..<alphabet, using: &generator)
                }
            } else {
                for _ in 0..<Int.random(in: 0...(maxLength / 4 + 1), using: &generator) {
                    let position = Int.random(in: 0...b.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: b.insert(Int.random(in: 0..<alphabet, using: &generator), at: position)
                    case 1 where position < b.count: b.remove(at: position)
                    default: if position < b.count { b[position] = Int.random(in: 0..<alphabet, using: &generator) }
                    }
                }
            }
            #expect(EditDistance.levenshtein(a, b) == tableDistance(a, b), "\(a) vs \(b)")
            #expect(EditDistance.levenshtein(b, a) == tableDistance(a, b))
        }
    }

    @Test("CER and WER equal jiwer 4.0's on English, Chinese and white space")
    func errorRates() {
        // Reference values from jiwer 4.0.0: jiwer.cer(reference, hypothesis), jiwer.wer(reference, hypothesis).
        // 22 scalars; sat→sit is 1 edit, deleting "the " is 4: CER 5/22. Words: sat→sit, delete "the": WER 2/6.
        var rates = TextErrorRates(reference: "the cat sat on the mat", hypothesis: "the cat sit on mat")
        #expect(rates.characterEdits == 5 && rates.referenceCharacterCount == 22)
        #expect(rates.wordEdits == 2 && rates.referenceWordCount == 6)
        #expect(rates.characterErrorRate == 0.22727272727272727)  // jiwer
        #expect(rates.wordErrorRate == 0.3333333333333333)  // jiwer

        // One substituted character of six; the whole text is one word, so WER is 1/1.
        rates = TextErrorRates(reference: "今天天气很好", hypothesis: "今天天汽很好")
        #expect(rates.characterErrorRate == 0.16666666666666666)  // jiwer
        #expect(rates.wordErrorRate == 1)  // jiwer 1.0

        // 7 scalars with the two spaces; 你→您 plus inserting " 们" is 3 edits. Words: 1 substitution + 1 insertion of 3.
        rates = TextErrorRates(reference: "北京 欢迎 你", hypothesis: "北京 欢迎 您 们")
        #expect(rates.characterErrorRate == 0.42857142857142855)  // jiwer, 3/7
        #expect(rates.wordErrorRate == 0.6666666666666666)  // jiwer, 2/3

        // Ends are trimmed, inner spaces kept: "a  b" (4) vs "a b" is one deletion; the words are equal.
        rates = TextErrorRates(reference: " a  b ", hypothesis: "a b")
        #expect(rates.characterErrorRate == 0.25)  // jiwer
        #expect(rates.wordErrorRate == 0)  // jiwer

        // A deleted hypothesis: every reference unit is deleted.
        rates = TextErrorRates(reference: "abc", hypothesis: "")
        #expect(rates.characterErrorRate == 1 && rates.wordErrorRate == 1)  // jiwer 1.0, 1.0
    }

    @Test("scalars are compared exactly, as Python compares code points")
    func decomposedAccent() {
        // "café" (4 scalars, precomposed é) vs "cafe" + U+0301 (5): é→e and inserting the accent, CER 2/4.
        // Swift's String == would call the two equal; jiwer and these rates do not.
        let rates = TextErrorRates(reference: "caf\u{E9}", hypothesis: "cafe\u{301}")
        #expect(rates.characterErrorRate == 0.5)  // jiwer 0.5
        #expect(rates.wordErrorRate == 1)  // jiwer 1.0
    }

    @Test("an empty reference gives the insertion count, as jiwer 4 does, and never crashes")
    func emptyReference() {
        var rates = TextErrorRates(reference: "", hypothesis: "")
        #expect(rates.characterErrorRate == 0 && rates.wordErrorRate == 0)  // jiwer 0, 0
        // "ab c" is 4 scalars and 2 words, all inserted.
        rates = TextErrorRates(reference: "", hypothesis: "ab c")
        #expect(rates.characterErrorRate == 4 && rates.wordErrorRate == 2)  // jiwer 4, 2
        // Only white space is empty after trimming.
        rates = TextErrorRates(reference: " \n\t", hypothesis: "x")
        #expect(rates.referenceCharacterCount == 0 && rates.characterErrorRate == 1 && rates.wordErrorRate == 1)
    }

    @Test("words are split on every kind of white space (jiwer splits only on spaces)")
    func wordSplitting() {
        // jiwer.wer("a\nb", "a b") is 2.0: it keeps "a\nb" as one word. Here "a\nb" is the two words a, b.
        let rates = TextErrorRates(reference: "a\nb", hypothesis: "a b")
        #expect(rates.referenceWordCount == 2 && rates.wordErrorRate == 0)
        // CER still counts the newline against the space: 1 substitution of 3.
        #expect(rates.characterErrorRate == 1.0 / 3)  // jiwer 0.3333333333333333
        // Ideographic space U+3000 separates words too.
        #expect(TextErrorRates(reference: "北京\u{3000}欢迎", hypothesis: "北京 欢迎").wordErrorRate == 0)
    }

    @Test("texts are compared on their first 10,000 characters, so two 1 MB answers cost milliseconds")
    func scoringIsBounded() {
        let reference = String(repeating: "a", count: 1_000_000)
        let hypothesis = String(repeating: "b", count: 1_000_000)
        let rates = TextErrorRates(reference: reference, hypothesis: hypothesis)
        #expect(rates.referenceCharacterCount == TextErrorRates.scoredLength)
        #expect(rates.characterEdits == TextErrorRates.scoredLength)
        #expect(rates.characterErrorRate == 1)
    }
}
