import SenditIndex
import Testing

/// A requester's list: CSV with a header (the key's column found by name, an optional research
/// ID column) or one value per line; values kept as given, repeats once, wildcards refused, and
/// a refusal names the line, never the value.
@Suite struct RetrievalListTests {
    @Test func oneValuePerLineSkipsBlankLinesAndRepeats() throws {
        let list = try RetrievalList.parse("A1001\r\n\nA1002\n  A1003  \nA1001\n", kind: .accession)
        #expect(list.entries.map(\.value) == ["A1001", "A1002", "A1003"])
        #expect(list.entries.allSatisfy { $0.researchID == nil })
    }

    @Test func csvFindsTheKeyAndResearchColumnsByName() throws {
        let text = "\u{FEFF}Research ID,Accession Number,Note\nR-01,A1,\"x, y\"\nR-02,\"A2\",z\n,A3,\n"
        let list = try RetrievalList.parse(text, kind: .accession)
        #expect(list.entries == [.init(value: "A1", researchID: "R-01"), .init(value: "A2", researchID: "R-02"), .init(value: "A3")])
        let semicolons = try RetrievalList.parse("patient_id;research_id\nP1;S1\n", kind: .patientID)
        #expect(semicolons.entries == [.init(value: "P1", researchID: "S1")])
    }

    @Test func aHeaderLineAloneNamingTheKeyIsAHeader() throws {
        let list = try RetrievalList.parse("study_uid\n1.2.3\n1.2.4\n", kind: .studyUID)
        #expect(list.entries.map(\.value) == ["1.2.3", "1.2.4"])
    }

    @Test func refusalsNameTheLineNotTheValue() {
        #expect(throws: RetrievalList.Invalid("line 2: not a single accession (at most 16 bytes, no wildcard or backslash)")) {
            try RetrievalList.parse("A1\nSECRET*\n", kind: .accession)
        }
        #expect(throws: RetrievalList.Invalid("line 1: a study UID is digits and dots")) {
            try RetrievalList.parse("1.2.abc\n", kind: .studyUID)
        }
        #expect(throws: RetrievalList.Invalid("the CSV header has no patient_id column (e.g. mrn)")) {
            try RetrievalList.parse("accession,research_id\nA1,R1\n", kind: .patientID)
        }
        #expect(throws: RetrievalList.Invalid("the list is empty")) { try RetrievalList.parse("\n \n", kind: .accession) }
        #expect(throws: RetrievalList.Invalid("line 3: no accession")) { try RetrievalList.parse("accession,research_id\nA1,R1\n,R2\n", kind: .accession) }
        #expect(throws: RetrievalList.Invalid.self) { try RetrievalList.parse(String(repeating: "9", count: 17), kind: .accession) }
    }

    @Test func sourceNamesAreSimpleIdentifiers() {
        #expect(RetrievalJob.isSimpleName("default"))
        #expect(RetrievalJob.isSimpleName("lung-CT_2026"))
        #expect(!RetrievalJob.isSimpleName(""))
        #expect(!RetrievalJob.isSimpleName("a b"))
        #expect(!RetrievalJob.isSimpleName("a/b"))
        #expect(!RetrievalJob.isSimpleName(String(repeating: "a", count: 65)))
    }
}
