import DICOMCore
@testable import Deidentify
import Testing

/// The patterns of spec 4, where they apply, numbers (IS, DS), and what is left after a
/// removal.
@Suite struct TextCleanerPatternTests {
    typealias E = CleanerFixture
    /// No identifying values at all: only patterns can remove anything.
    let empty = TextCleaner(IdentifyingValues(original: DataSet(), options: []))

    @Test func longDigitRunsButNotVersionsOrDecimals() {
        #expect(empty.clean(["Study 123456"], vr: .LO)?.values == ["Study"])
        #expect(empty.clean(["ref A12345678"], vr: .LO)?.values == ["ref A"])
        #expect(empty.clean(["ID 12345."], vr: .LO)?.values == ["ID ."])
        for kept in ["version 2.5.10234", "1234", "12.34567", "12345.6 mm", "kernel B30f", "CT 120 kV"] {
            #expect(empty.clean([kept], vr: .LO) == nil, "\(kept)")
        }
    }

    @Test func telephoneLikeRunsButNotDecimalLists() {
        for phone in ["(415) 555-0188", "+44 20 7946 0958", "415.555.0188", "0650/555 01 42", "555-0188 12"] {
            #expect(empty.clean(["call \(phone)"], vr: .LT)?.values == ["call"], "\(phone)")
        }
        for kept in ["12.50 13.75", "0.984375", "2.5.10234", "1.25 2.5 3.75 5.0", "512 x 512", "WW 400 WL 40"] {
            #expect(empty.clean([kept], vr: .LT) == nil, "\(kept)")
        }
    }

    @Test func patternsOnlyInFreeText() {
        let text = "x@y.org 123456 2023-02-03 http://a.b"
        for vr in [VR.LO, .LT, .PN, .SH, .ST, .UC, .UR, .UT] {
            #expect(empty.clean([text], vr: vr)?.values == [""], "\(vr)")
        }
        for vr in [VR.AE, .AS, .CS, .DA, .DT, .TM, .UI] {
            #expect(empty.clean([text], vr: vr) == nil, "\(vr)")
        }
        // Codes keep their digits: a SNOMED or DCM code value, a coding scheme's version.
        #expect(empty.clean(["113691"], vr: .SH, tag: .codeValue) == nil)
        #expect(empty.clean(["51185008"], vr: .UC, tag: DataDictionary.entry(forKeyword: "LongCodeValue")!.tag) == nil)
        #expect(empty.clean(["113691"], vr: .SH) != nil)
        // But never the patient's values.
        let c = E.cleaner()
        #expect(c.clean(["4410527"], vr: .SH, tag: .codeValue)?.values == [""])
    }

    @Test func whatIsLeftIsTidied() {
        let c = E.cleaner()
        #expect(E.clean("  Homer   scanned\tby  Tom  ", c) == "scanned by")
        #expect(E.clean("Findings:\r\nSimpson, Homer\r\n\r\nNormal.", vr: .LT, c) == "Findings:\r\n,\r\nNormal.")
        #expect(E.clean("Findings: Simpson\nNormal", vr: .LO, c) == "Findings: Normal")
        #expect(c.clean(["Simpson^Homer"], vr: .PN)?.values == [""], "only separators left")
        #expect(c.clean(["+1 (650) 555-0142"], vr: .SH)?.values == [""])
        #expect(E.clean("Homer\u{00A0}\u{3000}Müller-scan", c) == "Müller-scan")
    }

    @Test func numbersEqualToAnIdentifyingNumberBecomeZero() throws {
        let c = E.cleaner()
        let cleaned = try #require(c.cleanNumbers(["4410527", "+4410527", "04410527", "4410527.000", "4410527.5", "12", "19581104",
                                                   "99887766", " 5550142 ", "-97475"]))
        #expect(cleaned.values == ["0", "0", "0", "0", "4410527.5", "12", "0", "0", "0", "0"])
        #expect(cleaned.removals == ["id": 4, "birthdate": 1, "contact": 3] || cleaned.removals == ["id": 5, "birthdate": 1, "contact": 2])
        #expect(c.clean(["4410527"], vr: .IS)?.values == ["0"])
        // In scientific notation too (attack channel r2-ds-scientific-mrn); not a near number.
        #expect(c.cleanNumbers(["4.410527E6", "4.4105270e+6", "44.10527E5", "4.410527E2", "1.5E3"])?.values
                == ["0", "0", "0", "4.410527E2", "1.5E3"])
        #expect(c.clean(["123"], vr: .DS) == nil)
        #expect(empty.cleanNumbers(["123456789"]) == nil, "no pattern in numbers")
        let zeros = TextCleaner(IdentifyingValues(original: DataSet([E.element("PatientID", "000012")]), options: []))
        #expect(zeros.cleanNumbers(["12"]) == nil, "leading zeros dropped only while 5 digits remain")
        #expect(zeros.cleanNumbers(["000012"])?.values == ["0"])
    }
}
