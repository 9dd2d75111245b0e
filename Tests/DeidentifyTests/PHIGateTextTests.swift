import DICOMCore
import DICOMFile
import Foundation
@testable import Deidentify
import Testing

/// The forms of matching spec 1 and 2, each in a text value of an otherwise clean copy: the
/// copy that carries it is refused, naming the original attribute and kind; the same copy
/// without it passes.
@Suite struct PHIGateTextTests {
    typealias F = PHIGateFixture
    let gate = PHIGateFixture.gate

    init() throws {
        #expect(try F.verdict(gate, F.clean()) == nil, "the clean copy must pass, or nothing below tests anything")
    }

    /// The clean copy with Image Comments (LT) set to `text`.
    func commented(_ text: String) -> DataSet { F.with(F.clean(), F.element(.imageComments, .LT, text)) }

    @Test(arguments: [
        // Identifiers, reformatted (1.2, digit view 2.3).
        ("MRN 4455 6677", "PatientID", "id"), ("id=44556677.", "PatientID", "id"), ("MR44556677", "PatientID", "id"),
        ("mr-4455-6677", "PatientID", "id"), ("acc99887766", "AccessionNumber", "id"), ("ACC 99887766", "AccessionNumber", "id"),
        // The birth date in its written forms (1.3).
        ("born 04/12/1965", "PatientBirthDate", "birthdate"), ("DOB 12.04.1965", "PatientBirthDate", "birthdate"),
        ("April 12, 1965", "PatientBirthDate", "birthdate"), ("12-APR-1965", "PatientBirthDate", "birthdate"),
        ("1965-04-12", "PatientBirthDate", "birthdate"), ("4/12/65", "PatientBirthDate", "birthdate"),
        ("12 Apr 1965", "PatientBirthDate", "birthdate"), ("12APR1965", "PatientBirthDate", "birthdate"),
        ("Apr 12, 1965", "PatientBirthDate", "birthdate"), ("19650412083000", "PatientBirthDate", "birthdate"),
        ("1965/4/12", "PatientBirthDate", "birthdate"), ("12 April 1965", "PatientBirthDate", "birthdate"),
        // The telephone number, reformatted (1.4, 2.3).
        ("call 541.555.0113", "PatientTelephoneNumbers", "contact"), ("(541) 555 0113", "PatientTelephoneNumbers", "contact"),
        ("tel 555-0113", "PatientTelephoneNumbers", "contact"), ("+1 541 555 0113", "PatientTelephoneNumbers", "contact"),
        // The address's words and postal code.
        ("lives on Evergreen", "PatientAddress", "contact"), ("OR 97403", "PatientAddress", "contact"),
        // Name parts (1.1): family, given, middle, both orders run together, the whole value.
        ("SIMPSON", "PatientName", "name"), ("homer", "PatientName", "name"), ("pt Jay.", "PatientName", "name"),
        ("HOMERSIMPSON", "PatientName", "name"), ("simpsonhomer", "PatientName", "name"),
        ("Simpson^Homer^Jay", "PatientName", "name"), ("ref. HIBBERT", "ReferringPhysicianName", "name"),
        ("by Tom", "OperatorsName", "name"),
        // The institution (1.5), the station (device), a UID, another date (text only).
        ("Springfield General Hospital", "InstitutionName", "place"), ("CTSCAN01", "StationName", "device"),
        ("from 1.2.826.0.1.3680043.10.7.1", "SeriesInstanceUID", "uid"), ("scanned 2024-03-15", "StudyDate", "otherdate"),
        ("scanned 20240315", "StudyDate", "otherdate"),
    ])
    func aFormInKeptTextIsRefused(_ text: String, _ attribute: String, _ kind: String) throws {
        let hit = try F.verdict(gate, commented(text))
        #expect(hit?.attribute == attribute, "\(text): \(hit.map(String.init(describing:)) ?? "passed")")
        #expect(hit?.kind == kind)
        #expect(hit?.location == "(0020,4000) ImageComments")
    }

    @Test(arguments: [
        "Tomography of the chest, 2.5.10234", "BENCH MEDICAL SYSTEMS", "Homeric", "1.2.196504123", "119650412",
        "19650413", "04/12/19651", "2.25.1234455667788", "4455-66771", "S7732", "CT01", "Atom", "jayhawk",
        "Dr. Smith", "scanned 2024-03-03", "serial 5550114", "ORIGINAL PRIMARY AXIAL", "Springfiel",
    ])
    func textWithoutTheFormsPasses(_ text: String) throws {
        let hit = try F.verdict(gate, commented(text))
        #expect(hit == nil, "\(text): \(hit.map(String.init(describing:)) ?? "")")
    }

    @Test func otherDatesAreNotSearchedInDateValuesAndRetainedFullDatesNotAtAll() throws {
        let unshifted = F.with(F.clean(), F.element(.contentDate, .DA, "20240315"))
        #expect(try F.verdict(gate, unshifted) == nil)
        let inText = commented("prior 2024-03-15")
        #expect(try F.verdict(gate, inText)?.kind == "otherdate")
        let fullDates = PHIGate(original: F.original, scope: PHIGate.Scope(options: [.retainLongitudinalFullDates]))
        #expect(try F.verdict(fullDates, inText) == nil)
        // The birth date is searched whatever the options, in date values too.
        #expect(try F.verdict(fullDates, F.with(F.clean(), F.element(.patientBirthDate, .DA, "19650412")))?.attribute == "PatientBirthDate")
    }

    @Test func optionsTakeTheirKindsOutOfTheSearch() throws {
        let kept = F.with(F.clean(), F.element(.institutionName, .LO, "Shelbyville Clinic"), F.element(.stationName, .SH, "CTSCAN01"),
                          F.element(.seriesInstanceUID, .UI, "1.2.826.0.1.3680043.10.7.1"))
        var original = F.original
        original.set(F.element(.institutionName, .LO, "Shelbyville Clinic"))
        let strict = PHIGate(original: original)
        #expect(try F.verdict(strict, kept) != nil)
        let retaining = PHIGate(original: original, scope: PHIGate.Scope(options: [.retainInstitutionIdentity, .retainDeviceIdentity, .retainUIDs]))
        #expect(try F.verdict(retaining, kept) == nil)
        // Each option alone lets its own kind through and no other.
        let onlyDevice = PHIGate(original: original, scope: PHIGate.Scope(options: [.retainDeviceIdentity, .retainUIDs]))
        #expect(try F.verdict(onlyDevice, kept)?.kind == "place")
    }

    @Test func umlautsSharpSAndDiacriticsFoldBothWays() throws {
        let cases: [(String, String)] = [
            ("Müller^Hans", "Befund MUELLER"), ("Mueller^Hans", "Befund Müller"), ("Müller^Hans", "Befund Muller"),
            ("Großkopf^Eva", "GROSSKOPF"), ("Großkopf^Eva", "grosskopf"), ("Çelik^Ayşe", "AYSE CELIK"),
            ("Simpson^Homer", "Sim\u{AD}pson"), ("Simpson^Homer", "ＳＩＭＰＳＯＮ"), ("Simpson^Homer", "Sim\u{200B}pson"),
            ("Simpson^Homer", "HOMÉR"),
        ]
        for (name, text) in cases {
            let original = F.with(F.original, F.element(.patientName, .PN, name), F.element(.specificCharacterSet, .CS, "ISO_IR 192"))
            let gate = PHIGate(original: original)
            let leaky = F.with(F.clean(), DataElement(tag: .imageComments, vr: .LT, bytes: PHIGateTextTests.utf8Padded(text)),
                               F.element(.specificCharacterSet, .CS, "ISO_IR 192"))
            #expect(try F.verdict(gate, leaky)?.attribute == "PatientName", "\(name) in \(text)")
            let clean = F.with(F.clean(), F.element(.specificCharacterSet, .CS, "ISO_IR 192"))
            #expect(try F.verdict(gate, clean) == nil)
        }
    }

    static func utf8Padded(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0x20) }
        return b
    }

    @Test func twoCharacterCJKPartsAreFoundInsideText() throws {
        let original = F.with(F.original, F.element(.specificCharacterSet, .CS, "ISO_IR 192"),
                              DataElement(tag: .patientName, vr: .PN, bytes: PHIGateTextTests.utf8Padded("Yamada^Tarou=山田^太郎=やまだ^たろう")))
        let gate = PHIGate(original: original)
        let base = F.with(F.clean(), F.element(.specificCharacterSet, .CS, "ISO_IR 192"))
        for text in ["山田様 所見なし", "太郎", "やまだたろう", "YAMADA"] {
            let leaky = F.with(base, DataElement(tag: .imageComments, vr: .LT, bytes: PHIGateTextTests.utf8Padded(text)))
            #expect(try F.verdict(gate, leaky)?.attribute == "PatientName", "\(text)")
        }
        // One character of a name is not a needle: 山 alone passes.
        #expect(try F.verdict(gate, F.with(base, DataElement(tag: .imageComments, vr: .LT, bytes: PHIGateTextTests.utf8Padded("山 所見なし")))) == nil)
    }

    @Test func aNameSentAsLOIsSplitIntoWords() throws {
        var original = F.original
        original.set(F.element(.patientName, .LO, "Homer J Simpson"))
        original.set(F.element(.personName, .UN, "Burns^Montgomery"))
        let gate = PHIGate(original: original)
        #expect(try F.verdict(gate, F.with(F.clean(), F.element(.imageComments, .LT, "pt simpson"))).map { ($0.attribute, $0.kind) }! == ("PatientName", "name"))
        #expect(try F.verdict(gate, F.with(F.clean(), F.element(.imageComments, .LT, "MONTGOMERY"))).map { ($0.attribute, $0.kind) }! == ("PersonName", "name"))
        #expect(try F.verdict(gate, F.clean()) == nil)
    }

    @Test func theNameInAnLOOfTheCopyIsFound() throws {
        let hit = try F.verdict(gate, F.with(F.clean(), F.element(.seriesDescription, .LO, "Homer J Simpson chest")))
        #expect(hit?.attribute == "PatientName" && hit?.location == "(0008,103E) SeriesDescription")
    }

    @Test func nestedItemsAndFileMetaAreSearched() throws {
        let nested = F.with(F.clean(), DataElement(sequence: .referencedStudySequence, items: [DataSet([
            DataElement(sequence: .referencedSeriesSequence, items: [DataSet([F.element(.seriesDescription, .LO, "for Hibbert")])]),
        ])]))
        let hit = try F.verdict(gate, nested)
        #expect(hit?.location == "(0008,1110) ReferencedStudySequence item 1 > (0008,1115) ReferencedSeriesSequence item 1 > (0008,103E) SeriesDescription")
        let meta = DataSet([F.element(.sourceApplicationEntityTitle, .AE, "SIMPSON")])
        #expect(try F.verdict(gate, F.clean(), meta: meta)?.location == "File Meta Information (0002,0016) SourceApplicationEntityTitle")
        #expect(try F.verdict(gate, F.clean(), meta: DataSet([F.element(.sourceApplicationEntityTitle, .AE, "SENDIT")])) == nil)
    }

    @Test func aNeedleInTheFileOrFolderNameIsRefused() throws {
        #expect(try F.verdict(gate, F.clean(), finalName: "2.25.1/Simpson_Homer.dcm")?.location == "file name")
        #expect(try F.verdict(gate, F.clean(), finalName: "MR-4455-6677/2.25.2.dcm")?.location == "folder name")
        #expect(try F.verdict(gate, F.clean(), finalName: "2.25.1/2.25.2.dcm") == nil)
        // Without a final name, the file's own name and folder are searched.
        let folder = try F.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Part10Writer.write(Part10File(dataSet: F.clean(), transferSyntax: .explicitVRLittleEndian), to: folder + "/Homer.dcm")
        #expect(throws: PHIGate.Hit.self) { try gate.check(path: folder + "/Homer.dcm") }
        try Part10Writer.write(Part10File(dataSet: F.clean(), transferSyntax: .explicitVRLittleEndian), to: folder + "/2.25.9.dcm")
        try gate.check(path: folder + "/2.25.9.dcm")
    }

    @Test func deidentificationMethodIsSkippedOnlyWhenExactlyTheEnginesConstants() throws {
        let codes = DeidentificationMethodCode.all.map { String($0.meaning.prefix(64)) }
        // A patient called Clean: every CID 7050 meaning exact passes; any other value is searched.
        var original = F.original
        original.set(F.element(.patientName, .PN, "Clean^Option"))
        let gate = PHIGate(original: original)
        let exact = F.with(F.clean(), DataElement(tag: .deidentificationMethod, vr: .LO, strings: codes))
        #expect(try F.verdict(gate, exact) == nil)
        let changed = F.with(F.clean(), DataElement(tag: .deidentificationMethod, vr: .LO, strings: codes + ["Clean Option by hand"]))
        #expect(try F.verdict(gate, changed)?.location == "(0012,0063) DeidentificationMethod")
        // The recipe's own value passes only for the recipe named in the scope.
        let recipe = F.with(F.clean(), DataElement(tag: .deidentificationMethod, vr: .LO, strings: [codes[0], "sendit recipe clean.recipe"]))
        #expect(try F.verdict(gate, recipe) != nil)
        var scope = PHIGate.Scope()
        scope.recipeName = "clean.recipe"
        #expect(try F.verdict(PHIGate(original: original, scope: scope), recipe) == nil)
        // A code item with another meaning is searched.
        let item = F.with(F.clean(), DataElement(sequence: .deidentificationMethodCodeSequence, items: [DataSet([
            F.element(.codeValue, .SH, "113100"), F.element(.codingSchemeDesignator, .SH, "DCM"), F.element(.codeMeaning, .LO, "Clean"),
        ])]))
        #expect(try F.verdict(gate, item)?.location == "(0012,0064) DeidentificationMethodCodeSequence item 1 > (0008,0104) CodeMeaning")
    }

    @Test func aHitNamesTheAttributeKindAndPlaceButNeverTheValue() throws {
        let hit = try #require(try F.verdict(gate, commented("for Simpson, MRN 4455-6677")))
        let text = "\(hit)"
        #expect(text.contains("PatientName") || text.contains("PatientID"))
        #expect(text.contains("(0020,4000) ImageComments"))
        for value in ["simpson", "4455", "6677", "homer"] { #expect(!text.lowercased().contains(value), "\(text)") }
    }

    @Test func valuesAnonymizedBeforeAreNotNeedles() throws {
        let original = DataSet([F.element(.patientName, .PN, "ANONYMIZED"), F.element(.patientBirthDate, .DA, "19000101"),
                                F.element(.patientID, .LO, "ANONYMOUS")])
        let gate = PHIGate(original: original)
        #expect(gate.needles.isEmpty)
        #expect(try F.verdict(gate, F.with(F.clean(), F.element(.patientName, .PN, "ANONYMIZED"))) == nil)
    }
}
