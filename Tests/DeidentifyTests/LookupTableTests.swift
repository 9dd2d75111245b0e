import DICOMCore
import Testing
@testable import Deidentify

/// A project's lookup table and withdrawal list in front of its pseudonymizer: listed patients
/// get the table's IDs (two originals may share one on purpose), others the pseudonymizer's or
/// a refusal; a withdrawn patient is refused; no message carries an ID.
@Suite struct LookupTableTests {
    func request(_ patient: String, accession: String = "ACC-1") -> IdentifiersRequest {
        IdentifiersRequest(dataSet: DataSet([
            DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3.4"),
            DataElement(tag: .accessionNumber, vr: .SH, string: accession),
            DataElement(tag: .patientID, vr: .LO, string: patient),
            DataElement(tag: .patientBirthDate, vr: .DA, string: "19700101"),
            DataElement(tag: .studyDate, vr: .DA, string: "20200315"),
        ]))
    }

    let table = "PatientID, ResearchID ,AccessionNumber,ResearchAccessionNumber,DateOffset\r\n"
        + "11111111,SUBJ-001,ACC-1,R-0001,-12\r\n"
        + "11111111,SUBJ-001,ACC-2,R-0002,-12\n"
        + "22222222,SUBJ-001,,,-12\n"
        + #""3333,33","SUBJ ""Q""",,,"# + "\n\n"

    @Test func aTableIsRead() throws {
        let t = try LookupTable.parse(table)
        #expect(t.patients["11111111"] == .init(researchID: "SUBJ-001", dateOffset: -12))
        #expect(t.patients["22222222"]?.researchID == "SUBJ-001")
        #expect(t.patients["3333,33"] == .init(researchID: "SUBJ \"Q\"", dateOffset: nil))
        #expect(t.accessions == ["ACC-1": "R-0001", "ACC-2": "R-0002"])
        #expect(try LookupTable.parse(t.csv()) == t, "an export reads back the same")
    }

    @Test func mistakesNameTheLineNeverTheValue() {
        let bad = """
            PatientID,ResearchID,DateOffset,Color
            SECRET-1,SUBJ-1,-1000000,x
            SECRET-1,SUBJ-2,,y
            ,SUBJ-3,,z
            SECRET-4,\(String(repeating: "R", count: 65)),,w
            """
        do {
            _ = try LookupTable.parse(bad)
            Issue.record("accepted")
        } catch {
            let text = error.description
            for expected in ["column 4 is not a known column name", "line 2: DateOffset", "line 3: this PatientID has another", "line 4: PatientID and ResearchID must not be empty", "line 5: ResearchID is not"] {
                #expect(text.contains(expected), "\(expected) in \(text)")
            }
            #expect(!text.contains("SECRET"))
        }
        #expect(throws: LookupTable.Mistakes.self) { try LookupTable.parse("PatientID,Other\n1,2\n") }
        // A table saved without its header row: its first line is a patient's IDs, never echoed.
        do {
            _ = try LookupTable.parse("RW55012,SUBJ-001\nRW55013,SUBJ-002\n")
            Issue.record("a headerless table was accepted")
        } catch {
            #expect(error.description.contains("header row") && !error.description.lowercased().contains("rw55012")
                    && !error.description.lowercased().contains("subj-001"), "\(error)")
        }
        #expect(throws: LookupTable.Mistakes.self) { try LookupTable.parse("") }
    }

    @Test func listedPatientsGetTheTablesIDsAndOthersThePseudonymizersOrARefusal() throws {
        let local = LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: DeidFixture.hash))
        var p = ProjectIdentifiers(base: local, project: "trial")
        p.lookup = try LookupTable.parse(table)
        let listed = try p.identifiers(for: request("11111111"))
        try listed.validate()
        #expect(listed.entityCode == "SUBJ-001" && listed.itemCode == "R-0001" && listed.jitterDays == -12)
        #expect(listed.results[0].jittered_timestamp == LocalPseudonymizer.shift("1970-01-01T00:00:00Z", by: -12))
        // A merged record: another original, the same research ID, and the same claim.
        let merged = try p.identifiers(for: request("22222222", accession: "ACC-9"))
        #expect(merged.entityCode == "SUBJ-001" && merged.itemCode != "R-0001")
        #expect(p.claimedOriginal(for: request("11111111")) == p.claimedOriginal(for: request("22222222")))
        #expect(p.claimedOriginal(for: request("99999999")) == nil)
        // Unlisted: the pseudonymizer's codes, or a refusal that names no ID.
        let unlisted = try p.identifiers(for: request("99999999"))
        #expect(unlisted.entityCode == (try local.identifiers(for: request("99999999"))).entityCode)
        p.refuseUnlisted = true
        #expect(throws: IdentifiersRefusal.self) { try p.identifiers(for: request("99999999")) }
        p.withdrawn = ["11111111"]
        do {
            _ = try p.identifiers(for: request("11111111"))
            Issue.record("a withdrawn patient was given identifiers")
        } catch let refusal as IdentifiersRefusal {
            #expect(refusal.description.contains("withdrawal list") && !refusal.description.contains("11111111"))
        }
    }
}
