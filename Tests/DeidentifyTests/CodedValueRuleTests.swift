import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// The coded-value rule, engine and gate together: a name part under 6 characters is not looked
/// for in CS values and code attributes (a defined term such as `CT`, `HEAD` or `TEXT` equal to
/// it is a coincidence), but is removed from free text; a longer part, an ID, a date are removed
/// from coded values too.
@Suite struct CodedValueRuleTests {
    static func run(_ ds: DataSet) throws -> (DataSet, PHIGate.Hit?) {
        let out = try DeidFixture.engine().deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("coded-\(UUID().uuidString).dcm").path
        defer { unlink(path) }
        try Part10Writer.write(out.file, to: path)
        do {
            try PHIGate(original: ds).check(path: path)
            return (out.file.dataSet, nil)
        } catch let hit as PHIGate.Hit {
            return (out.file.dataSet, hit)
        }
    }

    static func ct(_ name: String, _ extra: [DataElement]) -> DataSet {
        var ds = DataSet([
            DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue),
            DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.556.1"),
            DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.556.2"),
            DataElement(tag: .seriesInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.556.3"),
            DataElement(tag: .patientName, vr: .PN, string: name),
            DataElement(tag: .patientID, vr: .LO, string: "CQ500-CT-310"),
        ])
        for e in extra { ds.set(e) }
        return ds
    }

    @Test func aShortNamePartEqualToADefinedTermStaysInCodedValuesAndGoesFromText() throws {
        let (out, hit) = try Self.run(Self.ct("Head^Ct", [
            DataElement(tag: .modality, vr: .CS, string: "CT"),
            DataElement(tag: .bodyPartExamined, vr: .CS, string: "HEAD"),
            DataElement(tag: .studyDescription, vr: .LO, string: "CT HEAD W/O"),
            DataElement(sequence: .procedureCodeSequence, items: [DataSet([
                DataElement(tag: .codeValue, vr: .SH, string: "HEAD"),
                DataElement(tag: .codingSchemeDesignator, vr: .SH, string: "99CT"),
                DataElement(tag: .codeMeaning, vr: .LO, string: "Head CT"),
            ])]),
        ]))
        #expect(hit == nil, "\(hit.map { "\($0)" } ?? "")")
        #expect(out.string(.modality) == "CT" && out.string(.bodyPartExamined) == "HEAD")
        #expect(out.string(.studyDescription) == "W/O")
        let code = try #require(out[.procedureCodeSequence]?.items?.first)
        #expect(code.string(.codeValue) == "HEAD" && code.string(.codingSchemeDesignator) == "99CT")
        #expect(code[.codeMeaning] == nil || code.string(.codeMeaning) == DummyValue.text || code.string(.codeMeaning)?.isEmpty == true)
    }

    @Test func aLongNamePartOrAnIDIsRemovedFromCodedValuesToo() throws {
        let (out, hit) = try Self.run(Self.ct("Grosskopf^Hannelore", [
            DataElement(tag: .scanOptions, vr: .CS, strings: ["HELICAL MODE", "GROSSKOPF"]),
            DataElement(tag: .bodyPartExamined, vr: .CS, string: "CQ500CT310"),
        ]))
        #expect(hit == nil, "\(hit.map { "\($0)" } ?? "")")
        #expect(out.strings(.scanOptions) == ["HELICAL MODE", ""])
        #expect(out.string(.bodyPartExamined) != "CQ500CT310")
    }

    @Test func theGateStillFindsAShortNamePartInFreeText() throws {
        // The engine removes it; written back by hand, the gate refuses the copy.
        let ds = Self.ct("Li^An", [DataElement(tag: .studyDescription, vr: .LO, string: "CT AN ABDOMEN")])
        let out = try DeidFixture.engine().deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers)
        #expect(out.file.dataSet.string(.studyDescription) == "CT ABDOMEN")
        var leaky = out.file
        leaky.dataSet.set(DataElement(tag: .studyDescription, vr: .LO, string: "CT AN ABDOMEN"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("coded-\(UUID().uuidString).dcm").path
        defer { unlink(path) }
        try Part10Writer.write(leaky, to: path)
        #expect(throws: PHIGate.Hit.self) { try PHIGate(original: ds).check(path: path) }
    }
}
