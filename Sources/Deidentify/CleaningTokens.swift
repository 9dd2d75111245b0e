import DICOMCore
import Foundation

/// What the Clean action looks for in free text: every value the profile removes, empties or
/// replaces elsewhere in the data set (at any level), plus the patient's and institution's
/// identifying attributes by name; a person's name also by its parts. A text holding one of
/// them (ignoring case) is emptied, so that nothing removed in one place survives in another's
/// description. Values shorter than 3 characters, or numbers shorter than 6, are too common to
/// judge by.
struct CleaningTokens {
    private(set) var tokens: [String] = []

    static let alwaysIdentifying: Set<Tag> = [
        .patientName, .patientID, .otherPatientIDs, .otherPatientNames, .patientBirthName, .patientMotherBirthName,
        .patientBirthDate, .patientAddress, .patientTelephoneNumbers, .accessionNumber, .institutionName,
        .institutionAddress, .referringPhysicianName, .performingPhysicianName, .operatorsName,
        .physiciansOfRecord, .nameOfPhysiciansReadingStudy, .requestingPhysician, .issuerOfPatientID,
        .medicalRecordLocator, .militaryRank, .branchOfService,
    ]

    init(_ ds: DataSet, profile: ConfidentialityProfile) {
        var found = Set<String>()
        CleaningTokens.collect(ds, profile: profile, charset: ds.specificCharacterSet, into: &found)
        tokens = found.sorted()
    }

    static func collect(_ ds: DataSet, profile: ConfidentialityProfile, charset: SpecificCharacterSet, into found: inout Set<String>) {
        let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : charset
        for e in ds {
            if let items = e.items {
                for item in items { collect(item, profile: profile, charset: charset, into: &found) }
                continue
            }
            guard e.vr.isString || e.vr == .UN else { continue }
            let removed: Bool
            switch profile.rule(for: e.tag)?.action {
            case nil, .k?, .c?: removed = alwaysIdentifying.contains(e.tag)
            default: removed = true
            }
            guard removed else { continue }
            for value in e.strings(characterSet: charset) {
                let parts = e.vr == .PN ? value.split(whereSeparator: { "^= ".contains($0) }).map(String.init) : []
                for piece in [value] + parts { add(piece, into: &found) }
            }
        }
    }

    static func add(_ piece: String, into found: inout Set<String>) {
        let t = piece.trimmingCharacters(in: .whitespaces).lowercased()
        let numeric = t.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x20 || $0 == 0x2B }
        if t.utf8.count >= (numeric ? 6 : 3) { found.insert(t) }
    }

    /// A token shorter than 6 characters counts as a word only ("Tom" in "Dr Tom", not in
    /// "Tomography").
    func found(in text: String) -> Bool {
        guard !tokens.isEmpty else { return false }
        let lower = text.lowercased()
        if tokens.contains(where: { $0.count >= 6 && lower.contains($0) }) { return true }
        let words = Set(lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init))
        return tokens.contains { $0.count < 6 && (words.contains($0) || (!$0.allSatisfy { $0.isLetter || $0.isNumber } && lower.contains($0))) }
    }
}
