import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// The third reader's text channels (r3-dob-*, r3-mrn-arabic-indic-digits, r3-letters-*): the
/// birth date as three tokens with `_` `|`, connector words, CJK markers or a Roman-numeral
/// month between; digits of any script; a name's letters one or two separators apart.
@Suite struct ThirdReaderTextTests {
    typealias R = RetypedValueTests

    /// The engine removes something of `kind` and the gate finds nothing in what is left, but
    /// finds `kind` in the text as it came.
    func check(_ text: String, kind: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let cleaned = R.cleaner.clean([text], vr: .LO)
        #expect(cleaned?.removals[kind] != nil, "\(text)", sourceLocation: sourceLocation)
        #expect(R.gate.search(text: text, as: .LO)?.kind == kind, "\(text)", sourceLocation: sourceLocation)
        if let left = cleaned?.values.first {
            #expect(R.gate.search(text: left, as: .LO) == nil, "\(left)", sourceLocation: sourceLocation)
        }
    }

    @Test func theBirthDateWithOtherSeparatorsWordsAndMarkers() {
        for text in ["DOB_1949_03_01", "01_03_1949", "1|3|1949", "1/III/1949", "ur. 1.III.1949",
                     "1 de marzo de 1949", "the 1st of March 1949", "1949年3月1日", "1949년 3월 1일"] {
            check(text, kind: "birthdate")
        }
    }

    @Test func digitsOfOtherScriptsAreDigits() {
        check("DOB ٠١/٠٣/١٩٤٩", kind: "birthdate")
        check("MRN ٤٧٣٢١٩٩", kind: "id")
        check("MRN ४७३२१९९", kind: "id")
    }

    @Test func romanNumeralsAndConnectorsAloneAreNoDate() {
        for text in ["III 1 1949", "1 de 3 x 1949", "series 1 of 3 1948"] {
            #expect(R.cleaner.clean([text], vr: .LO)?.removals["birthdate"] == nil, "\(text)")
            #expect(R.gate.search(text: text) == nil, "\(text)")
        }
    }

    @Test func lettersOneOrTwoSeparatorsApart() {
        for text in ["B  L  A  C  K  W  O  O  D  E", "B. L. A. C. K. W. O. O. D. E.", "B·L·A·C·K·W·O·O·D·E",
                     "B/L/A/C/K/W/O/O/D/E", "B,L,A,C,K,W,O,O,D,E"] {
            check(text, kind: "name")
        }
    }
}
