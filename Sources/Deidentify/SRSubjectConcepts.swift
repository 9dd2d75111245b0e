import DICOMCore

/// The concepts with which a structured report restates a patient attribute (TID 1007 Subject
/// Context, Patient: Subject Name, ID, Birth Date, Sex, Age). A content item with one of them as
/// its concept name goes wherever Table E.1-1 does not keep that attribute (generated from
/// spec/deid/sr-subject-concepts.tsv).
enum SRSubjectConcepts {
    /// The patient attribute a concept restates, or nil.
    static func attribute(codeValue: String, scheme: String) -> Tag? {
        table.first { $0.code == codeValue && $0.scheme == scheme }.map { Tag($0.attribute) }
    }
}
