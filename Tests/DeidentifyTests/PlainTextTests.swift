@testable import Deidentify
import Foundation
import Testing

/// The ASCII fast paths must answer exactly as the Unicode-aware calls they stand for: a
/// different answer would change what the PHI gate and the Clean action look for.
@Suite struct PlainTextTests {
    static let samples: [String] = [
        "", " ", "\t", "  \t ", "DOE^JOHN", " DOE^JOHN ", "\tDOE\t", "a b", "  a  b  ", "Hospital\r\n",
        "\r\nx\r\n", "x\u{0B}", "\u{0C}y", "Dr. Tom-Lee", "CT 2024/01/02 12:30", "MÜLLER^Jürgen",
        "\u{00A0}Café\u{00A0}", "\u{3000}山田^太郎\u{3000}", "ÅSA", "e\u{301}", "Ｔｏｍ", "x\u{2003}y ", "١٢٣ abc",
        "1.2.840.113619.2.55", "O'BRIEN, PAT", "123-45-6789", "\u{7F}del", "tab\tinside",
    ]

    @Test func trimmingAnswersAsFoundationDoes() {
        for s in PlainTextTests.samples {
            #expect(PlainText.trimmingWhitespace(s) == s.trimmingCharacters(in: .whitespaces), "\(s.debugDescription)")
        }
    }

    @Test func ideographsAreFoundAsTheScalarPropertySaysAndNeverInASCII() {
        for s in PlainTextTests.samples {
            #expect(PlainText.hasIdeographic(s) == s.unicodeScalars.contains { $0.properties.isIdeographic }, "\(s.debugDescription)")
        }
        #expect(PlainText.hasIdeographic("山田"))
    }

    @Test func wordsSplitAsCharacterPropertiesSplit() {
        for s in PlainTextTests.samples {
            let lower = s.lowercased()
            let expected = Set(lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init))
            #expect(PlainText.words(lower) == expected, "\(s.debugDescription)")
        }
    }
}
