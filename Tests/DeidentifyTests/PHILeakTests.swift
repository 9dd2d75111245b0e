import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Plants the patient's identifying values in every attribute of Table E.1-1, in nested items,
/// in private elements and in the File Meta Information, de-identifies, writes the output, and
/// searches every output byte for every planted value.
@Suite struct PHILeakTests {
    static let tokens = ["SimpsonHomer", "MRN7654321", "ACC99887766", "Springfield General", "742 Evergreen Terrace",
                         "555-0113", "Hibbert", "Nahasapeemapetilon"]
    static let birthDate = "19650412"

    /// One file's data set: every table attribute with a planted value, the patient's own
    /// attributes set to the tokens.
    static func planted(_ n: Int) throws -> (DataSet, [String]) {
        var ds = DataSet()
        var plantedUIDs: [String] = []
        var i = n
        for row in try DeidFixture.tableRows() where !row.tag.contains("x") && row.tag != "PRIVATE" {
            guard let raw = UInt32(row.tag, radix: 16) else { continue }
            let tag = Tag(raw)
            guard tag.group != 0x0000, tag.group != 0x0002, DataDictionary.entry(for: tag) != nil else { continue }
            let vr = DataDictionary.vr(for: tag)
            i += 1
            let token = tokens[i % tokens.count]
            switch vr {
            case .UI:
                let uid = "1.2.826.0.1.3680043.10.777.\(n).\(raw)"
                plantedUIDs.append(uid)
                ds.set(DataElement(tag: tag, vr: vr, string: uid))
            case .DA: ds.set(DataElement(tag: tag, vr: vr, string: birthDate))
            case .DT: ds.set(DataElement(tag: tag, vr: vr, string: birthDate + "083000"))
            case .SQ:
                ds.set(DataElement(sequence: tag, items: [DataSet([
                    DataElement(tag: .studyDescription, vr: .LO, string: "about " + token),
                    DataElement(tag: .patientName, vr: .PN, string: "SimpsonHomer^Jay"),
                    DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.778.\(n).\(raw)"),
                    DataElement(tag: Tag(group: 0x0009, element: 0x0010), vr: .LO, string: "NESTED PRIVATE"),
                    DataElement(tag: Tag(group: 0x0009, element: 0x1001), vr: .LO, string: token),
                ])]))
                plantedUIDs.append("1.2.826.0.1.3680043.10.778.\(n).\(raw)")
            case .AE, .CS, .SH:
                ds.set(DataElement(tag: tag, vr: vr, string: String(token.prefix(16))))
            case .LO, .LT, .ST, .UC, .UT, .PN, .UR:
                ds.set(DataElement(tag: tag, vr: vr, string: "note " + token))
            case .OB, .OW, .UN:
                ds.set(DataElement(tag: tag, vr: vr, bytes: Array((token + (token.utf8.count & 1 == 1 ? " " : "")).utf8)))
            default:
                break
            }
        }
        ds.set(DataElement(tag: .patientName, vr: .PN, string: "SimpsonHomer^Jay"))
        ds.set(DataElement(tag: .patientID, vr: .LO, string: "MRN7654321"))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: "ACC99887766"))
        ds.set(DataElement(tag: .patientBirthDate, vr: .DA, string: birthDate))
        ds.set(DataElement(tag: .patientAddress, vr: .LO, string: "742 Evergreen Terrace"))
        ds.set(DataElement(tag: .patientTelephoneNumbers, vr: .SH, string: "555-0113"))
        ds.set(DataElement(tag: .institutionName, vr: .LO, string: "Springfield General"))
        ds.set(DataElement(tag: .referringPhysicianName, vr: .PN, string: "Hibbert^Julius"))
        ds.set(DataElement(tag: .operatorsName, vr: .PN, string: "Nahasapeemapetilon^Apu"))
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue))
        ds.set(DataElement(tag: Tag(group: 0x0029, element: 0x0010), vr: .LO, string: "ACME PRIVATE"))
        ds.set(DataElement(tag: Tag(group: 0x0029, element: 0x1001), vr: .LO, string: "SimpsonHomer MRN7654321"))
        ds.set(DataElement(tag: Tag(group: 0x0029, element: 0x1002), vr: .UN, bytes: Array("Springfield General ".utf8)))
        for e in SecondReaderTests.imagePixel(rows: 16, columns: 8) { ds.set(e) }
        return (ds, plantedUIDs)
    }

    static func occurrences(of needles: [String], in bytes: [UInt8]) -> [String] {
        let lowered = String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        return needles.filter { lowered.contains($0.lowercased()) }
    }

    @Test(arguments: [
        Set<ProfileOption>(),
        [.retainLongitudinalModifiedDates, .cleanDescriptors, .cleanStructuredContent, .cleanGraphics],
    ])
    func noPlantedValueReachesTheOutput(_ options: Set<ProfileOption>) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-leak-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = try DeidFixture.engine(options)
        var planted = 0, leaks: [String] = []
        for n in 0..<12 {
            let (ds, uids) = try PHILeakTests.planted(n)
            planted += ds.count + uids.count
            var meta = DataSet()
            meta.set(DataElement(tag: .sourceApplicationEntityTitle, vr: .AE, string: "MRN7654321"))
            meta.set(DataElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, string: uids[0]))
            var input = Part10File(fileMetaInformation: meta, dataSet: ds, transferSyntax: n % 2 == 0 ? .explicitVRLittleEndian : .implicitVRLittleEndian)
            input.preamble = Array(("SimpsonHomer" + String(repeating: " ", count: 116)).utf8)
            let output = try engine.deidentify(input, identifiers: DeidFixture.identifiers)
            let path = folder + "/\(n).dcm"
            try Part10Writer.write(output.file, to: path)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let found = PHILeakTests.occurrences(of: PHILeakTests.tokens + [PHILeakTests.birthDate] + uids, in: bytes)
            leaks += found.map { "file \(n): \($0)" }
            // The gate, on its own, agrees.
            try PHIGate(original: ds).check(path: path)
        }
        #expect(planted > 5000)
        #expect(leaks.isEmpty, "\(leaks.count) leaks: \(leaks.prefix(20))")
    }

    @Test func textTheStandardKeepsLosesTheNameAndTheGateCatchesWhatARecipeKeeps() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-gate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var (ds, _) = try PHILeakTests.planted(0)
        // Image Type and Code Meaning are not in Table E.1-1: the standard keeps them. The
        // engine cleans them: only the value it removed elsewhere goes (a multi-valued
        // attribute keeps its other values in their positions).
        ds.set(DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY", "SIMPSONHOMER"]))
        ds.set(DataElement(sequence: .referencedImageSequence, items: [DataSet([
            DataElement(tag: .codeMeaning, vr: .LO, string: "for ACC99887766"),
            DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.9.98"),
        ])]))
        let output = try DeidFixture.engine().deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers)
        #expect(output.file.dataSet.strings(.imageType) == ["ORIGINAL", "PRIMARY", ""])
        // Referenced Image Sequence is X/Z/U*, Type 3 in CT Image: removed with its items.
        #expect(output.file.dataSet[.referencedImageSequence] == nil)
        try Part10Writer.write(output.file, to: folder + "/out.dcm")
        try PHIGate(original: ds).check(path: folder + "/out.dcm")
        // A copy that still names the patient (here written by hand, as a bug or a recipe
        // could): the gate, written apart from the engine, stops it.
        var leaky = output.file
        leaky.dataSet.set(DataElement(tag: .studyComments, vr: .LT, string: "seen by SimpsonHomer"))
        try Part10Writer.write(leaky, to: folder + "/kept.dcm")
        let gate = PHIGate(original: ds)
        do {
            try gate.check(path: folder + "/kept.dcm")
            Issue.record("the gate let a patient name through")
        } catch let hit as PHIGate.Hit {
            #expect(hit.attribute == "PatientName")
        }
    }

    @Test func theGateIgnoresPixelDataAndSearchesDeflatedDataSetsInflated() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-gate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let original = DataSet([DataElement(tag: .patientName, vr: .PN, string: "Flanders^Ned")])
        let gate = PHIGate(original: original)
        // The name's bytes as 8-bit samples of native Pixel Data only: passes (sample values
        // are not text; burned-in text is the burned-in rules' business).
        var pixels = [UInt8](repeating: 0, count: 100_000)
        pixels.replaceSubrange(5000..<5007, with: Array("FLANDERS".utf8.prefix(7)))
        pixels.replaceSubrange(6000..<6003, with: Array("Ned".utf8))
        let clean = DataSet([DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue),
                             DataElement(tag: .sopInstanceUID, vr: .UI, string: "2.25.1"),
                             DataElement(tag: .samplesPerPixel, vr: .US, bytes: [1, 0]),
                             DataElement(tag: .photometricInterpretation, vr: .CS, string: "MONOCHROME2"),
                             DataElement(tag: .rows, vr: .US, bytes: [250, 0]),
                             DataElement(tag: .columns, vr: .US, bytes: [0x90, 0x01]),
                             DataElement(tag: .bitsAllocated, vr: .US, bytes: [8, 0]),
                             DataElement(tag: .bitsStored, vr: .US, bytes: [8, 0]),
                             DataElement(tag: .highBit, vr: .US, bytes: [7, 0]),
                             DataElement(tag: .pixelRepresentation, vr: .US, bytes: [0, 0]),
                             DataElement(tag: .pixelData, vr: .OB, bytes: pixels)])
        try Part10Writer.write(DeidFixture.file(clean), to: folder + "/pixels.dcm")
        try gate.check(path: folder + "/pixels.dcm")
        // The same name in a description of a deflated file: caught.
        var leaky = clean
        leaky.set(DataElement(tag: .seriesDescription, vr: .LO, string: "for flanders"))
        try Part10Writer.write(Part10File(dataSet: leaky, transferSyntax: .deflatedExplicitVRLittleEndian), to: folder + "/deflated.dcm")
        #expect(throws: PHIGate.Hit.self) { try gate.check(path: folder + "/deflated.dcm") }
    }
}

@Suite struct PHIGateWordTests {
    @Test func aShortNameCountsAsAWordOnly() {
        let gate = PHIGate(original: DataSet([DataElement(tag: .operatorsName, vr: .PN, string: "Tech^Tom")]))
        #expect(gate.search(text: "COMPUTED TOMOGRAPHY") == nil)
        #expect(gate.search(text: "scanned by tom.")?.attribute == "OperatorsName")
        #expect(gate.search(text: "TECH^TOM")?.attribute == "OperatorsName")
        #expect(gate.search(text: "technician") == nil)
        // The byte search looks for 4 bytes or more: "tech^tom" is one.
        #expect(gate.search(bytes: Array("COMPUTED TOMOGRAPHY".utf8)) == nil)
        #expect(gate.search(bytes: Array("TECH^TOM".utf8))?.attribute == "OperatorsName")
    }
}
