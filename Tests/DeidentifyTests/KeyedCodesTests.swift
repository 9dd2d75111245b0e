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
        #expect(request.identifiers[0].id == "12345678")
        #expect(request.identifiers[0].id_timestamp == "1970-01-01T00:00:00Z")
        #expect(request.identifiers[0].items[0].id == "ACC-1" && request.identifiers[0].items[0].id_timestamp == "2020-03-15T00:00:00Z")
        let local = LocalPseudonymizer(hash: DeidFixture.hash)
        let first = local.identifiers(for: request)
        try first.validate()
        #expect(first == local.identifiers(for: request))
        #expect((-30 ... -1).contains(first.jitterDays))
        #expect(first.results[0].jittered_timestamp == LocalPseudonymizer.shift("1970-01-01T00:00:00Z", by: first.jitterDays))
        // Another study of the same patient: same patient code and jitter, another study code.
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: "ACC-2"))
        let second = local.identifiers(for: IdentifiersRequest(dataSet: ds))
        #expect(second.entityCode == first.entityCode && second.jitterDays == first.jitterDays && second.itemCode != first.itemCode)
        let unlinked = LocalPseudonymizer(hash: KeyedHash(key: [UInt8](repeating: 9, count: 32))).identifiers(for: request)
        #expect(unlinked.entityCode != first.entityCode && unlinked.itemCode != first.itemCode)
        // Jitter is spread over the range.
        let jitters = Set((0..<200).map { local.jitter(source: "MRN", id: "\($0)") })
        #expect(jitters.count > 20 && jitters.allSatisfy { (-30 ... -1).contains($0) })
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
