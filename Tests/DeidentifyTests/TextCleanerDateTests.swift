import DICOMCore
@testable import Deidentify
import Testing

/// Dates (matching spec 1.3, `otherdate`, and the date pattern of spec 4).
@Suite struct TextCleanerDateTests {
    typealias E = CleanerFixture

    static let cleaner = TextCleaner(IdentifyingValues(original: DataSet([
        E.element("PatientBirthDate", "19581104"), E.element("StudyDate", "20240115"),
    ]), options: DeidentificationSettings.defaultOptions))

    /// Every form spec 1.3 lists for 1958-11-04, written out as the gate would write them.
    static var birthDateForms: [String] {
        var forms = ["19581104"]
        let months = ["NOV", "Nov", "nov"], monthNames = ["NOVEMBER", "November", "november"]
        for (d, m) in [("04", "11"), ("4", "11")] {
            for (y, sep) in [("1958", "-"), ("1958", "/"), ("1958", "."), ("58", "-"), ("58", "/"), ("58", ".")] {
                if y.count == 4 { forms.append("\(y)\(sep)\(m)\(sep)\(d)") }
                forms += ["\(m)\(sep)\(d)\(sep)\(y)", "\(d)\(sep)\(m)\(sep)\(y)"]
            }
            for mon in months {
                forms += ["\(d)-\(mon)-1958", "\(d) \(mon) 1958", "\(d)\(mon)1958", "\(mon) \(d) 1958", "\(mon) \(d), 1958"]
            }
            for month in monthNames { forms += ["\(month) \(d), 1958", "\(d) \(month) 1958"] }
        }
        return forms
    }

    @Test func theBirthDateInEveryFormAndContext() throws {
        for form in Self.birthDateForms {
            for (text, left) in [(form, ""), ("born \(form)", "born"), ("(\(form))", "()"), ("DOB:\(form).", "DOB:."),
                                 ("x\(form) y", "x y"), ("\(form)T08:30", "T08:30")] {
                let cleaned = try #require(Self.cleaner.clean([text], vr: .LO), "\(text)")
                #expect(cleaned.values == [left == "()" ? "" : left], "\(text)")
                #expect(cleaned.removals == ["birthdate": 1], "\(text)")
            }
        }
    }

    @Test func theBirthDateIsNotFoundInsideLongerNumbers() {
        for text in ["111/04/1958", "1.11/04/1958", "04.11.19581", "2.04.11.1958", "v1.4.11.58"] {
            #expect(Self.cleaner.clean([text], vr: .LO)?.removals["birthdate"] == nil, "\(text)")
        }
        #expect(Self.cleaner.clean(["1.2.840.19581104.3"], vr: .UI) == nil, "not in a UID")
    }

    /// A UID written in text with the birth date as a whole component is that date (third
    /// reader's r3-dob-uid-component-in-text); a prefix of a longer component is not.
    @Test func theBirthDateAsAWholeComponentOfAUIDInText() {
        #expect(Self.cleaner.clean(["REF 1.2.826.0.1.19581104.1"], vr: .LO)?.removals["birthdate"] == 1)
        #expect(Self.cleaner.clean(["REF 1.2.826.0.1.195811041234.1"], vr: .LO) == nil)
    }

    @Test func theBirthDateInDateValuesAndTheDateOfADateTime() {
        #expect(Self.cleaner.clean(["19581104083000"], vr: .DT)?.values == [""])
        #expect(Self.cleaner.clean(["19581104083000.000000+0100"], vr: .LO)?.values == [".000000+0100"])
        #expect(Self.cleaner.clean(["19581104"], vr: .DA)?.values == [""])
        #expect(E.clean("born 19581104083000 at home", vr: .LT, Self.cleaner) == "born at home")
        #expect(E.clean("1958 11 04", Self.cleaner) == "", "the digit view")
    }

    @Test func otherDatesOnlyOutsideDateValues() {
        #expect(Self.cleaner.clean(["CT 20240115"], vr: .LO)?.removals == ["otherdate": 1])
        #expect(Self.cleaner.clean(["CT 2024-01-15"], vr: .CS)?.removals == ["otherdate": 1])
        #expect(Self.cleaner.clean(["15/01/2024"], vr: .SH)?.removals == ["otherdate": 1])
        #expect(Self.cleaner.clean(["2024-01-155"], vr: .CS)?.removals == ["otherdate": 1], "YYYY-MM-DD is found anywhere")
        for vr in [VR.DA, .DT, .TM, .UI] {
            #expect(Self.cleaner.clean(["20240115"], vr: vr) == nil, "\(vr)")
        }
        let fullDates = TextCleaner(IdentifyingValues(original: DataSet([E.element("StudyDate", "20240115")]),
                                                      options: [.retainLongitudinalFullDates]))
        #expect(fullDates.clean(["CT 2024-01-15"], vr: .CS) == nil)
    }

    @Test func anyDateInFreeTextIsAPattern() {
        for text in ["2023-02-03", "03/02/2023", "3.2.2023", "3 Feb 2023", "February 3, 2023", "FEB 03 2023", "20230203",
                     "03-FEB-23", "10.12.18", "12/31/99", "1850-01-01", "2100-12-31"] {
            #expect(Self.cleaner.clean(["seen \(text) ok"], vr: .LT) == TextCleaner.Cleaned(values: ["seen ok"], removals: ["pattern:date": 1]),
                    "\(text)")
        }
        // Not dates: versions, impossible dates, years out of range, words that start like months.
        for text in ["version 2.5.10234", "Software 1.2.10", "VA48A", "novel 4, 1958x", "decubitus 12 2020", "1.5 mm 2.0 mm"] {
            #expect(Self.cleaner.clean([text], vr: .LO) == nil, "\(text)")
        }
        #expect(Self.cleaner.clean(["13/13/2023"], vr: .LO)?.removals["pattern:date"] == nil)
        #expect(Self.cleaner.clean(["1700-01-01"], vr: .LO)?.removals["pattern:date"] == nil)
        // Not in values that are dates, codes or numbers.
        #expect(Self.cleaner.clean(["20230203"], vr: .DA) == nil)
        #expect(Self.cleaner.clean(["2023-02-03"], vr: .CS) == nil)
        #expect(Self.cleaner.clean(["20020904"], vr: .SH, tag: .codingSchemeVersion) == nil)
    }

    @Test func theScannerReadsBothOrdersAndTwoDigitYears() {
        func found(_ s: String) -> [[Int]] {
            var out: [[Int]] = []
            Array(s.utf8).withUnsafeBufferPointer { h in
                DateScanner.scan(h) { f in out += f.readings.map { [$0.0, $0.1, $0.2, f.lo, f.hi] } }
            }
            return out
        }
        #expect(found("04/11/1958") == [[1958, 11, 4, 0, 10], [1958, 4, 11, 0, 10]])
        #expect(found("13/11/1958") == [[1958, 11, 13, 0, 10]])
        #expect(found("x2/11/04/1958") == [[4, 11, 2, 1, 8], [4, 2, 11, 1, 8], [1958, 4, 11, 3, 13], [1958, 11, 4, 3, 13]])
        #expect(found("29.02.2023").isEmpty && found("29.02.2024") == [[2024, 2, 29, 0, 10]])
        #expect(found("sept 4, 1958") == [[1958, 9, 4, 0, 12]])
        #expect(found("4 nov. 1958") == [[1958, 11, 4, 0, 11]])
        #expect(found("1958110412").first == [1958, 11, 4, 0, 10], "YYYYMMDD runs on into a time")
    }
}
