import DICOMCore
@testable import Deidentify
import Testing

@Suite struct KeyedCodesTests {
    @Test func uidsMapDeterministicallyToShort225UIDsAndDependOnTheKey() {
        let a = DeidFixture.uids.remap("1.2.840.113619.2.55.3.604688119.969.1268071029.320")
        #expect(a == DeidFixture.uids.remap("1.2.840.113619.2.55.3.604688119.969.1268071029.320"))
        #expect(a.hasPrefix("2.25.") && a.utf8.count <= 44 && !a.dropFirst(5).hasPrefix("0"))
        #expect(a.dropFirst(5).allSatisfy { $0.isNumber })
        #expect(a != DeidFixture.uids.remap("1.2.840.113619.2.55.3.604688119.969.1268071029.321"))
        let other = UIDRemapper(hash: KeyedHash(key: [UInt8](repeating: 8, count: 32)))
        #expect(other.remap("1.2.840.113619.2.55.3.604688119.969.1268071029.320") != a)
        // 10,000 UIDs, no collision.
        let many = Set((0..<10_000).map { DeidFixture.uids.remap("1.2.3.\($0)") })
        #expect(many.count == 10_000)
    }

    @Test func theLocalPseudonymizerIsStablePerPatientAndUnlinkableUnderAnotherKey() throws {
        var ds = DataSet([
            DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3.4"),
            DataElement(tag: .accessionNumber, vr: .SH, string: "ACC-1"),
            DataElement(tag: .patientID, vr: .LO, string: "12-345-678"),
            DataElement(tag: .patientBirthDate, vr: .DA, string: "19700101"),
            DataElement(tag: .studyDate, vr: .DA, string: "20200315"),
        ])
        let request = IdentifiersRequest(dataSet: ds)
        #expect(request.identifiers[0].id == "12-345-678", "the exact ID, dashes kept")
        #expect(request.identifiers[0].id_timestamp == "1970-01-01T00:00:00Z")
        #expect(request.identifiers[0].items[0].id == "ACC-1" && request.identifiers[0].items[0].id_timestamp == "2020-03-15T00:00:00Z")
        let local = LocalPseudonymizer(hash: DeidFixture.hash)
        let first = local.identifiers(for: request)
        try first.validate()
        #expect(first == local.identifiers(for: request))
        #expect((-30 ... -1).contains(first.jitterDays))
        #expect(first.results[0].jittered_timestamp == LocalPseudonymizer.shift("1970-01-01T00:00:00Z", by: first.jitterDays))
        // Codes: a letter and 15 digits of Crockford's base 32 (75 bits), 16 characters, the
        // most an AccessionNumber (SH) holds.
        let crockford = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        for (code, letter) in [(first.entityCode, "P"), (first.itemCode, "S")] {
            #expect(code.count == 16 && code.hasPrefix(letter) && code.dropFirst().allSatisfy { crockford.contains($0) }, "\(code)")
        }
        // Another study of the same patient: same patient code and jitter, another study code.
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: "ACC-2"))
        let second = local.identifiers(for: IdentifiersRequest(dataSet: ds))
        #expect(second.entityCode == first.entityCode && second.jitterDays == first.jitterDays && second.itemCode != first.itemCode)
        let unlinked = LocalPseudonymizer(hash: KeyedHash(key: [UInt8](repeating: 9, count: 32))).identifiers(for: request)
        #expect(unlinked.entityCode != first.entityCode && unlinked.itemCode != first.itemCode)
        // Jitter is spread over the range.
        let jitters = Set((0..<200).map { local.jitter(patientKey: "id0:\($0)") })
        #expect(jitters.count > 20 && jitters.allSatisfy { (-30 ... -1).contains($0) })
        // 20,000 patients, 20,000 codes.
        #expect(Set((0..<20_000).map { local.code("P", DeidFixture.hash.digest("patient", "\($0)")) }).count == 20_000)
    }

    func patient(_ id: String?, issuer: String? = nil, accession: String? = "ACC-1", study: String = "1.2.3.4") -> DataSet {
        var ds = DataSet([DataElement(tag: .studyInstanceUID, vr: .UI, string: study)])
        if let id { ds.set(DataElement(tag: .patientID, vr: .LO, string: id)) }
        if let issuer { ds.set(DataElement(tag: .issuerOfPatientID, vr: .LO, string: issuer)) }
        if let accession { ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: accession)) }
        return ds
    }

    @Test func idsThatDifferOnlyBySeparatorsCaseOrAfterABackslashAreDistinctPatients() {
        let local = LocalPseudonymizer(hash: DeidFixture.hash)
        let ids = ["AB-123-45", "AB-12-345", "AB12345", "AB 12345", "AB.123.45", "ab-123-45", "AB-123-45\\X", "AB-123-45\\Y", "study:1.2.3.4"]
        let requests = ids.map { IdentifiersRequest(dataSet: patient($0)) }
        // Sent exactly as they are (a second value after a backslash is kept, not dropped).
        #expect(requests.map { $0.identifiers[0].id } == ids)
        let codes = requests.map { local.identifiers(for: $0).entityCode }
        #expect(Set(codes).count == ids.count, "\(codes)")
        #expect(Set(requests.map(\.patientKey)).count == ids.count)
        // Padding the standard calls insignificant is not part of the ID.
        #expect(IdentifiersRequest(dataSet: patient(" AB-123-45 ")).patientKey == requests[0].patientKey)
        // A patient without an ID is a patient of its own, even against an ID that reads "study:<uid>".
        let none = IdentifiersRequest(dataSet: patient(nil))
        #expect(none.identifiers[0].id == "study:1.2.3.4")
        #expect(local.identifiers(for: none).entityCode != codes.last)
    }

    @Test func twoPatientsWithOneAccessionGetTwoStudyCodesAndAStudyWithoutOneGetsItsUIDs() {
        let local = LocalPseudonymizer(hash: DeidFixture.hash)
        let a = local.identifiers(for: IdentifiersRequest(dataSet: patient("MRN-1")))
        let b = local.identifiers(for: IdentifiersRequest(dataSet: patient("MRN-2")))
        #expect(a.itemCode != b.itemCode)
        // The same patient and accession under another StudyInstanceUID: the same study.
        #expect(local.identifiers(for: IdentifiersRequest(dataSet: patient("MRN-1", study: "1.2.3.9"))).itemCode == a.itemCode)
        // Without an accession, the study is its StudyInstanceUID.
        let c = local.identifiers(for: IdentifiersRequest(dataSet: patient("MRN-1", accession: nil)))
        let d = local.identifiers(for: IdentifiersRequest(dataSet: patient("MRN-1", accession: nil, study: "1.2.3.9")))
        #expect(c.itemCode != d.itemCode && c.entityCode == d.entityCode && c.itemCode != a.itemCode)
    }

    @Test func theIssuerCountsOnlyWhereTheSiteSaysItHasSeveral() {
        let local = LocalPseudonymizer(hash: DeidFixture.hash)
        var fields = IdentifiersRequest.Fields()
        let plain = ["HOSP-A", "HOSP-B"].map { IdentifiersRequest(dataSet: patient("123", issuer: $0), fields: fields) }
        #expect(plain[0] == plain[1] && plain[0].identifiers[0].id_source == "Stanford MRN")
        fields.issuerField = .issuerOfPatientID
        let several = ["HOSP-A", "HOSP-B"].map { IdentifiersRequest(dataSet: patient("123", issuer: $0), fields: fields) }
        #expect(several.map { $0.identifiers[0].id_source } == ["Stanford MRN^HOSP-A", "Stanford MRN^HOSP-B"])
        #expect(several.map { $0.identifiers[0].id } == ["123", "123"])
        #expect(local.identifiers(for: several[0]).entityCode != local.identifiers(for: several[1]).entityCode)
        // An issuer and an ID cannot pose as another pair.
        let shifted = IdentifiersRequest(dataSet: patient("23", issuer: "HOSP-A1"), fields: fields)
        #expect(shifted.patientKey != several[0].patientKey)
        // Without an issuer, the patient is the same as where issuers are not used.
        #expect(IdentifiersRequest(dataSet: patient("123"), fields: fields).patientKey == plain[0].patientKey)
    }

    @Test func anIDThatCannotBeDecodedExactlyIsFlagged() {
        var ds = patient(nil)
        ds.set(DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 192"))
        ds.set(DataElement(tag: .patientID, vr: .LO, bytes: [0x41, 0xFF, 0x42, 0x20]))
        #expect(IdentifiersRequest(dataSet: ds).hasUndecodableID)
        #expect(!IdentifiersRequest(dataSet: patient("Müller-1")).hasUndecodableID)
    }

    @Test func aPatientWithoutAnIDIsNotMergedWithOthers() {
        let a = IdentifiersRequest(dataSet: DataSet([DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3.4")]))
        let b = IdentifiersRequest(dataSet: DataSet([DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3.5")]))
        let local = LocalPseudonymizer(hash: DeidFixture.hash)
        #expect(local.identifiers(for: a).entityCode != local.identifiers(for: b).entityCode)
    }

    @Test func datesMoveByWholeDaysKeepingTheirForm() {
        #expect(DateShifter.shift(["20200301"], vr: .DA, days: -1) == ["20200229"])
        #expect(DateShifter.shift(["20201231", ""], vr: .DA, days: 1) == ["20210101", ""])
        #expect(DateShifter.shift(["2020.03.15"], vr: .DA, days: -12) == ["20200303"])
        #expect(DateShifter.shift(["20200101-20200201"], vr: .DA, days: -1) == ["20191231-20200131"])
        #expect(DateShifter.shift(["20200301120000.5+0100"], vr: .DT, days: -1) == ["20200229120000.5+0100"])
        #expect(DateShifter.shift(["20200301", "garbage"], vr: .DA, days: 1) == nil)
        #expect(DateShifter.shift(["2020"], vr: .DT, days: 1) == nil)
    }
}
