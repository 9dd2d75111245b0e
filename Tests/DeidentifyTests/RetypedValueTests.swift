import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Identifying values retyped in kept text (the attack corpus's r2- text channels), each
/// cleaned by the engine and found by the gate: the birth date as any three tokens, an
/// identifier with thousands commas or after a `.`, a short identifier as a whole value, a
/// name in a PN's prefix, spelled letter by letter, hyphenated or cut over two values, and a
/// TM or DT fraction holding an identifier's digits.
@Suite struct RetypedValueTests {
    typealias E = CleanerFixture

    static let original = DataSet([
        E.element("PatientName", "OSTERHAGEN^BLACKWOODE^^IRMTRAUD^MR"),
        E.element("PatientID", "MRN4732199"),
        E.element("OtherPatientIDs", "37354"),
        E.element("PatientBirthDate", "19490301"),
        E.element("StudyDate", "20240115"),
        E.element("ReferringPhysicianName", "DRUMMONDSON^CARL"),
        E.element("OperatorsName", "FITZWILLIAMS^ZACH"),
    ])
    static let cleaner = TextCleaner(IdentifyingValues(original: original, options: DeidentificationSettings.defaultOptions))
    static let gate = PHIGate(original: original)

    /// The engine leaves `left`; the gate finds something in the text as it came.
    func check(_ text: String, leaves left: String, vr: VR = .LO, tag: Tag? = nil, kind: String,
               sourceLocation: SourceLocation = #_sourceLocation) {
        let cleaned = Self.cleaner.clean([text], vr: vr, tag: tag)
        #expect(cleaned?.values == [left], "\(text)", sourceLocation: sourceLocation)
        #expect(Self.gate.search(text: text, as: vr)?.kind == kind, "\(text)", sourceLocation: sourceLocation)
        #expect(Self.gate.search(text: left, as: vr) == nil, "\(left)", sourceLocation: sourceLocation)
    }

    @Test func theBirthDateAsAnyThreeTokens() {
        for (text, left) in [
            ("geb.1.3.1949", "geb."), ("DOB 1st March 1949", "DOB"), ("born March 1st, 1949", "born"),
            ("* 1. March 1949", ""), ("geb. 1. März 1949", "geb."), ("geb. 1. Maerz 1949", "geb."),
            ("le 1er mars 1949", "le"), ("1949-mar-01", ""), ("DOB 01/Mar/1949", "DOB"), ("DOB 01.Mar.1949", "DOB"),
            ("DOB 01 03 49", "DOB"), ("1 marzo 1949 nata", "nata"), ("1 maart 1949", ""), ("49 03 01 x", "x"),
        ] {
            check(text, leaves: left, kind: "birthdate")
        }
    }

    @Test func otherThreeTokenTextsAreNoBirthDate() {
        for text in ["slices 1 3 1950", "1 mars 1948", "series 2 of 3, 1949 ms", "set 01 03 48", "1.3.1948.5"] {
            #expect(Self.cleaner.clean([text], vr: .LO)?.removals["birthdate"] == nil, "\(text)")
            #expect(Self.gate.search(text: text) == nil, "\(text)")
        }
    }

    @Test func theStudyDateAsThreeTokensInText() {
        check("seen 15 Jan 2024", leaves: "seen", kind: "otherdate")
    }

    @Test func identifierDigitsWithThousandsCommasOrAfterADot() {
        check("CT CHEST PT 4,732,199", leaves: "CT CHEST PT", kind: "id")
        check("PROTO 1.4732199", leaves: "PROTO 1.", kind: "id")
        // A decimal number with other digits stays.
        #expect(Self.cleaner.clean(["PROTO 1.4732198"], vr: .LO) == nil)
        #expect(Self.gate.search(text: "PROTO 1.4732198") == nil)
    }

    @Test func aShortIdentifierIsFoundAsAWholeValue() {
        check("37354", leaves: "", vr: .SH, tag: .codeValue, kind: "id")
        // A longer code holding it is another code.
        #expect(Self.cleaner.clean(["373541"], vr: .SH, tag: .codeValue) == nil)
        #expect(Self.gate.search(text: "373541", as: .SH) == nil)
    }

    @Test func everyComponentOfThePersonNameGivesNameParts() {
        check("CT Irmtraud", leaves: "CT", kind: "name")
        // The prefix's title stays: MR is a modality.
        #expect(Self.cleaner.clean(["MR BRAIN"], vr: .LO) == nil)
        #expect(Self.gate.search(text: "MR BRAIN") == nil)
    }

    @Test func aNameSpelledOutHyphenatedOrCutOverValues() {
        check("B.L.A.C.K.W.O.O.D.E", leaves: "", kind: "name")
        check("PT F I T Z W I L L I A M S", leaves: "PT", kind: "name")
        check("C.-DRUMM-ONDSON", leaves: "C.-", kind: "name")
        let cleaned = Self.cleaner.clean(["AXIAL", "OSTE", "RHAGEN"], vr: .LO)
        #expect(cleaned?.values == ["AXIAL", "", ""])
        // Numbers apart on purpose are not joined into a pattern.
        #expect(Self.cleaner.clean(["AXIAL", "123", "45"], vr: .LO) == nil)
    }

    /// An identifier where an offset goes, or as a whole time that is no time (attack channels
    /// r2-dt-offset-mrn, r2-tm-mrn-digits): cleaned, not left for the gate to refuse.
    @Test func anOffsetThatIsNoOffsetGoesAndATimeThatIsNoTimeIsEmptied() {
        let c = Self.cleaner
        #expect(c.canonicalTimes(["20240315093015-4732199"], isDateTime: true) == ["20240315093015"])
        #expect(c.canonicalTimes(["20240315093015-0500"], isDateTime: true) == nil)
        #expect(c.canonicalTimes(["4732199"]) == [""])
        #expect(c.canonicalTimes(["093015", "09:30:15", "0930"]) == nil)
        #expect(c.canonicalTimes(["4732199"], isDateTime: true) == [""])
        #expect(c.canonicalTimes(["2024"], isDateTime: true) == nil)
        // After the time: a range's end, a fraction behind a space (r3-tm-range-mrn,
        // r3-tm-fraction-leading-space).
        #expect(c.canonicalTimes(["093015-4732199"]) == [""])
        #expect(c.canonicalTimes(["093512. 4732199", " 093512.4732199"]) == ["", "093512"])
        #expect(c.canonicalTimes(["093015-101500"]) == nil)
    }

    /// An identifier split by separators into runs too short alone (`MRN_47_35292`): its
    /// digits together are found in a Code Value by the engine, as by the gate (attack channel
    /// r2-pid-odd-split-underscore).
    @Test func theDigitsOfAnIdentifierSplitIntoShortRuns() {
        let original = DataSet([E.element("PatientID", "MRN_47_35292")])
        let c = TextCleaner(IdentifyingValues(original: original, options: DeidentificationSettings.defaultOptions))
        #expect(c.clean(["4735292"], vr: .SH, tag: .codeValue)?.values == [""])
        #expect(PHIGate(original: original).search(text: "4735292", as: .SH)?.kind == "id")
    }

    @Test func aTimeFractionHoldingAnIdentifierIsDroppedAndALongOneCut() {
        let c = Self.cleaner
        #expect(c.canonicalTimes(["093512.4732199"]) == ["093512"])
        #expect(c.canonicalTimes(["20240315093015.19490301+0100"], isDateTime: true) == ["20240315093015+0100"])
        #expect(c.canonicalTimes(["101500.1234567"]) == ["101500.123456"])
        #expect(c.canonicalTimes(["101500.123456", "1015"]) == nil)
        #expect(Self.gate.search(text: "093512.4732199", as: .TM)?.kind == "id")
        #expect(Self.gate.search(text: "20240315093015.19490301", as: .DT)?.kind == "birthdate")
        #expect(Self.gate.search(text: "093512.473219", as: .TM) == nil)
    }
}
