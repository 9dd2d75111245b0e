import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

@Suite struct DeidentifierTests {
    func instance(study: String = "1.2.826.0.1.3680043.10.1.1", series: String, sop: String, frame: String = "1.2.826.0.1.3680043.10.1.9",
                  studyDate: String = "20200315", birth: String = "19700101") -> DataSet {
        DataSet([
            DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 100"),
            DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue),
            DataElement(tag: .sopInstanceUID, vr: .UI, string: sop),
            DataElement(tag: .studyDate, vr: .DA, string: studyDate),
            DataElement(tag: .studyTime, vr: .TM, string: "101500"),
            DataElement(tag: .accessionNumber, vr: .SH, string: "ACC99887766"),
            DataElement(tag: .modality, vr: .CS, string: "CT"),
            DataElement(tag: .institutionName, vr: .LO, string: "Springfield General"),
            DataElement(tag: .referringPhysicianName, vr: .PN, string: "Hibbert^Julius"),
            DataElement(tag: .studyDescription, vr: .LO, string: "CT CHEST for Simpson"),
            DataElement(tag: .seriesDescription, vr: .LO, string: "AXIAL 1.25mm"),
            // A reference to another instance (a sequence without a row in Table E.1-1: kept,
            // its items cleaned).
            DataElement(sequence: .referencedInstanceSequence, items: [DataSet([
                DataElement(tag: .referencedSOPClassUID, vr: .UI, string: UID.ctImageStorage.rawValue),
                DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.1.2.1.1"),
            ])]),
            DataElement(tag: .patientName, vr: .PN, string: "Simpson^Homer^J"),
            DataElement(tag: .patientID, vr: .LO, string: "12345678"),
            DataElement(tag: .patientBirthDate, vr: .DA, string: birth),
            DataElement(tag: .patientSex, vr: .CS, string: "M"),
            DataElement(tag: .patientAge, vr: .AS, string: "050Y"),
            DataElement(tag: .studyInstanceUID, vr: .UI, string: study),
            DataElement(tag: .seriesInstanceUID, vr: .UI, string: series),
            DataElement(tag: .frameOfReferenceUID, vr: .UI, string: frame),
            DataElement(tag: Tag(group: 0x0029, element: 0x0010), vr: .LO, string: "ACME PRIVATE"),
            DataElement(tag: Tag(group: 0x0029, element: 0x1001), vr: .LO, string: "Simpson private note"),
            DataElement(tag: Tag(group: 0x0029, element: 0x1002), vr: .DS, string: "1.5"),
            DataElement(tag: Tag(group: 0x6000, element: 0x0010), vr: .US, bytes: [8, 0]),
            DataElement(tag: Tag(group: 0x6000, element: 0x3000), vr: .OW, bytes: [1, 2, 3, 4]),
        ]).withImage([UInt8](repeating: 9, count: 32))
    }

    @Test func replacementValuesMethodAndDatesShiftedByTheJitter() throws {
        let out = try DeidFixture.engine().deidentify(DeidFixture.file(instance(series: "1.2.826.0.1.3680043.10.1.2", sop: "1.2.826.0.1.3680043.10.1.2.1")),
                                                      identifiers: DeidFixture.identifiers).file.dataSet
        #expect(out.string(.patientID) == "PCODE1")
        #expect(out.string(.accessionNumber) == "SCODE1")
        #expect(out.string(.patientName) == "PCODE1^")   // a person name: a family name alone
        #expect(out.string(.patientIdentityRemoved) == "YES")
        #expect(out.string(.longitudinalTemporalInformationModified) == "MODIFIED")
        let codes = out[.deidentificationMethodCodeSequence]?.items?.compactMap { $0.string(.codeValue) } ?? []
        #expect(codes.first == "113100" && Set(codes) == ["113100", "113105", "113107", "113108"])
        #expect(out.string(.studyDate) == "20200303")
        // Birth date: Z in the Basic Profile, and no option keeps it.
        #expect(out[.patientBirthDate]?.isEmpty == true)
        #expect(out.string(.studyTime) == "101500")
        #expect(out.string(.patientSex) == "M" && out.string(.patientAge) == "050Y")
        // Clean Descriptors: a description naming the patient loses the name, another is kept.
        #expect(out.string(.studyDescription) == "CT CHEST for")
        #expect(out.string(.seriesDescription) == "AXIAL 1.25mm")
        #expect(out[.institutionName] == nil)   // X/Z/D: Type 3 in CT Image, so removed
        #expect(out[.referringPhysicianName]?.isEmpty == true)
        // Private attributes and the overlay (its data removed: the whole group) are gone.
        #expect(!out.contains { $0.tag.isPrivate })
        #expect(!out.contains { $0.tag.group == 0x6000 })
        // Pixel data untouched.
        #expect(out[.pixelData]?.bytes == [UInt8](repeating: 9, count: 32))
    }

    @Test func aStudyInThreeSeriesDoneSeparatelyKeepsOneStudyUIDAndItsFrameOfReference() throws {
        let engine = try DeidFixture.engine()
        let outputs = try (1...3).map { s in
            try engine.deidentify(DeidFixture.file(instance(series: "1.2.826.0.1.3680043.10.1.2.\(s)", sop: "1.2.826.0.1.3680043.10.1.2.\(s).1")),
                                  identifiers: DeidFixture.identifiers)
        }
        #expect(Set(outputs.map(\.studyInstanceUID)).count == 1)
        #expect(Set(outputs.map(\.seriesInstanceUID)).count == 3)
        #expect(Set(outputs.map { $0.file.dataSet.string(.frameOfReferenceUID) ?? "" }).count == 1)
        #expect(outputs.allSatisfy { $0.studyInstanceUID.hasPrefix("2.25.") && $0.studyInstanceUID.utf8.count <= 64 })
        // A reference to an instance points at that instance's new UID.
        let referenced = outputs[0].file.dataSet[.referencedInstanceSequence]?.items?.first
        #expect(referenced?.string(.referencedSOPInstanceUID) == DeidFixture.uids.remap("1.2.826.0.1.3680043.10.1.2.1.1"))
        #expect(referenced?.string(.referencedSOPClassUID) == UID.ctImageStorage.rawValue)
        // And in another run with the same key, the same UIDs.
        let again = try DeidFixture.engine().deidentify(DeidFixture.file(instance(series: "1.2.826.0.1.3680043.10.1.2.1", sop: "1.2.826.0.1.3680043.10.1.2.1.1")),
                                                        identifiers: DeidFixture.identifiers)
        #expect(again.sopInstanceUID == outputs[0].sopInstanceUID && again.studyInstanceUID == outputs[0].studyInstanceUID)
    }

    @Test func intervalsBetweenAPatientsDatesAreKept() throws {
        let engine = try DeidFixture.engine()
        let a = try engine.deidentify(DeidFixture.file(instance(series: "1.2.826.0.1.3680043.10.1.2", sop: "1.2.826.0.1.3680043.10.1.2.1", studyDate: "20200315")),
                                      identifiers: DeidFixture.identifiers).file.dataSet
        let b = try engine.deidentify(DeidFixture.file(instance(study: "1.2.826.0.1.3680043.10.2.1", series: "1.2.826.0.1.3680043.10.2.2", sop: "1.2.826.0.1.3680043.10.2.2.1", studyDate: "20210101")),
                                      identifiers: DeidFixture.identifiers).file.dataSet
        let da = DICOMDate(a.string(.studyDate)!)!, db = DICOMDate(b.string(.studyDate)!)!
        #expect(db.daysSinceEpoch - da.daysSinceEpoch == DICOMDate("20210101")!.daysSinceEpoch - DICOMDate("20200315")!.daysSinceEpoch)
        #expect(da != DICOMDate("20200315"))
    }

    @Test func safePrivateAttributesSurviveOnlyWhenListedAndTheOptionIsOn() throws {
        var settings = DeidentificationSettings(profile: try ConfidentialityProfile(options: [.retainSafePrivate]))
        settings.safePrivateAttributes = [SafePrivateAttribute(parsing: "ACME PRIVATE,0029,02")!]
        let out = try Deidentifier(settings: settings, uids: DeidFixture.uids)
            .deidentify(DeidFixture.file(instance(series: "1.2.826.0.1.3680043.10.1.2", sop: "1.2.826.0.1.3680043.10.1.2.1")),
                        identifiers: DeidFixture.identifiers).file.dataSet
        #expect(out[Tag(group: 0x0029, element: 0x1002)]?.strings() == ["1.5"])
        #expect(out[Tag(group: 0x0029, element: 0x0010)] != nil)
        #expect(out[Tag(group: 0x0029, element: 0x1001)] == nil)
        #expect(SafePrivateAttribute(parsing: "ACME,0028,02") == nil)   // an even group is not private
    }

    @Test func unknownPublicAttributesAreRemovedUnlessConfigured() throws {
        var ds = instance(series: "1.2.826.0.1.3680043.10.1.2", sop: "1.2.826.0.1.3680043.10.1.2.1")
        let strange = Tag(group: 0x0018, element: 0xFFF0)
        ds.set(DataElement(tag: strange, vr: .LO, string: "CHEST"))
        let out = try DeidFixture.engine().deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers).file.dataSet
        #expect(out[strange] == nil)
        var settings = DeidentificationSettings.standard
        settings.keepUnknownAttributes = true
        let kept = try Deidentifier(settings: settings, uids: DeidFixture.uids).deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers)
        #expect(kept.file.dataSet[strange] != nil)
    }

    @Test func anInvalidIdentifiersResponseIsRefused() throws {
        var bad = DeidFixture.identifiers
        bad.results[0].suid = "../etc"
        #expect(throws: IdentifiersResponse.Invalid.self) {
            try DeidFixture.engine().deidentify(DeidFixture.file(instance(series: "1.2.3.4", sop: "1.2.3.4.5")), identifiers: bad)
        }
        #expect(throws: IdentifiersResponse.Invalid.self) { try IdentifiersResponse.decode(Data(#"{"results":[]}"#.utf8)) }
        #expect(throws: IdentifiersResponse.Invalid.self) {
            try IdentifiersResponse.decode(Data(#"{"results":[{"suid":"P1","jitter":-3,"items":[{"suid":"S1","jittered_timestamp":"x"}]}]}"#.utf8))
        }
        let good = try IdentifiersResponse.decode(Data(#"{"results":[{"id":"1","id_source":"MRN","suid":"P-1_a","jitter":-3,"jittered_timestamp":"2000-01-01T00:00:00Z","custom_fields":{"a":1},"items":[{"suid":"S1","jitter":-3,"jittered_timestamp":"2000-01-01T00:00:00Z"}]}]}"#.utf8))
        #expect(good.entityCode == "P-1_a" && good.itemCode == "S1" && good.jitterDays == -3)
    }

    /// A service may echo an original where a code belongs: the refusal names the field and
    /// the problem, never the value (it reaches pages, alerts and logs).
    @Test func anInvalidIdentifiersResponseNamesTheFieldNotTheValue() throws {
        let bodies = [
            #"{"results":[{"suid":"PID-4711-Doe^Jane","jitter":-3,"jittered_timestamp":"x","items":[{"suid":"S1","jittered_timestamp":"x"}]}]}"#,
            #"{"results":[{"suid":"P1","jitter":-3,"jittered_timestamp":"x","items":[{"suid":"PID-4711-Doe^Jane","jittered_timestamp":"x"}]}]}"#,
            #"{"results":[{"suid":"P1","jitter":"PID-4711-Doe^Jane","items":[]}]}"#,
            #"{"results":[{"suid":["PID-4711-Doe^Jane"],"items":[]}]}"#,
            #"PID-4711-Doe^Jane"#,
        ]
        let expected = ["entity suid is empty, too long", "item suid is empty, too long", "results.[0].jitter has the wrong type",
                        "results.[0].suid has the wrong type", "not JSON"]
        for (body, want) in zip(bodies, expected) {
            do {
                _ = try IdentifiersResponse.decode(Data(body.utf8))
                Issue.record("accepted \(body)")
            } catch {
                #expect("\(error)".contains(want), "\(error)")
                #expect(!"\(error)".contains("4711") && !"\(error)".contains("Doe^Jane"), "\(error)")
            }
        }
    }

    @Test func aSequenceThatArrivedAsUNIsParsedAndCleaned() throws {
        // (0008,114A) Referenced Instance Sequence as UN: one undefined-length item, implicit VR LE.
        var item: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]
        let uid = Array("1.2.826.0.1.3680043.10.9.99".utf8)
        item += [0x08, 0x00, 0x55, 0x11] + [UInt8(uid.count), 0, 0, 0] + uid
        item += [0x10, 0x00, 0x10, 0x00, 0x08, 0, 0, 0] + Array("Flanders".utf8)
        item += [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]
        var ds = instance(series: "1.2.826.0.1.3680043.10.1.2", sop: "1.2.826.0.1.3680043.10.1.2.1")
        ds.set(DataElement(tag: .referencedInstanceSequence, vr: .UN, bytes: item))
        let out = try DeidFixture.engine().deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers).file.dataSet
        let items = try #require(out[.referencedInstanceSequence]?.items)
        #expect(items.first?.string(.referencedSOPInstanceUID) == DeidFixture.uids.remap("1.2.826.0.1.3680043.10.9.99"))
        #expect(items.first?[.patientName]?.isEmpty ?? true)
        // Bytes that are not items: removed, not kept.
        ds.set(DataElement(tag: .referencedInstanceSequence, vr: .UN, bytes: Array("Flanders".utf8)))
        let junk = try DeidFixture.engine().deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers).file.dataSet
        #expect(junk[.referencedInstanceSequence] == nil || junk[.referencedInstanceSequence]?.isEmpty == true)
    }
}
