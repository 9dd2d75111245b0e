import DICOMCore
import Foundation

/// What the Clean action, and the keeping of text, look for: every value the profile removes,
/// empties or replaces elsewhere in the data set (at any level: names, IDs, the institution…);
/// a person's name also by its parts. A text holding one of them (ignoring case) is emptied, so
/// that nothing removed in one place survives in another. Values shorter than 3 characters, or
/// numbers shorter than 6, are too common to judge by; values under 6 characters count as
/// whole words only. Values an option keeps (Retain Institution Identity, say) are not looked for.
struct CleaningTokens {
    /// Each token with what `found` asks of it, worked out once.
    private let entries: [Entry]

    struct Entry {
        let bytes: [UInt8]
        let text: String
        /// In characters.
        let length: Int
        /// Letters and digits only: found as a word, never inside one.
        let isWord: Bool
    }

    init(_ ds: DataSet, profile: ConfidentialityProfile) {
        var found = Set<String>()
        CleaningTokens.collect(ds, profile: profile, charset: ds.specificCharacterSet, into: &found)
        entries = found.sorted().map { Entry(bytes: Array($0.utf8), text: $0, length: $0.count,
                                     isWord: $0.allSatisfy { $0.isLetter || $0.isNumber }) }
    }

    static func collect(_ ds: DataSet, profile: ConfidentialityProfile, charset: SpecificCharacterSet, into found: inout Set<String>) {
        let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : charset
        for e in ds {
            if let items = e.items {
                for item in items { collect(item, profile: profile, charset: charset, into: &found) }
                continue
            }
            guard e.vr.isString || e.vr == .UN else { continue }
            switch profile.rule(for: e.tag)?.action {
            case nil, .k?, .c?: continue
            default: break
            }
            // Private attributes are all removed, but their values are the vendor's, not known
            // to be the patient's: looking for them would empty ordinary text. So are removed
            // descriptions and comments ("CT CHEST" is no one's identifier); names, IDs,
            // numbers, addresses, places and UIDs are looked for.
            if e.tag.isPrivate || !CleaningTokens.isIdentifying(e) { continue }
            for value in e.strings(characterSet: charset) {
                let parts = e.vr == .PN ? value.split(whereSeparator: { "^= ".contains($0) }).map(String.init) : []
                for piece in [value] + parts { add(piece, into: &found) }
            }
        }
    }

    static let identifyingWords = ["ID", "Name", "Address", "Telephone", "Telecom", "Institution", "Department", "Station",
                                   "Number", "BirthDate", "Locator", "Rank", "Branch", "Residence", "Occupation", "Issuer"]

    static func isIdentifying(_ e: DataElement) -> Bool {
        if e.vr == .PN || e.vr == .UI { return true }
        return TextSearch.keyword(of: e.tag, question: 2, containsAny: identifyingWords, unless: ["Description", "Comment"])
    }

    static func add(_ piece: String, into found: inout Set<String>) {
        let t = PlainText.trimmingWhitespace(piece).lowercased()
        let numeric = t.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x20 || $0 == 0x2B }
        if t.utf8.count >= (numeric ? 6 : 3) { found.insert(t) }
    }

    /// A token shorter than 6 characters counts as a word only ("Tom" in "Dr Tom", not in
    /// "Tomography").
    func found(in text: String, shortestPart: Int = 3) -> Bool {
        guard !entries.isEmpty else { return false }
        let lower = text.lowercased()
        let hay = Array(lower.utf8)
        if entries.contains(where: { $0.length >= 6 && TextSearch.contains(hay, $0.bytes) }) { return true }
        guard shortestPart < 6 else { return false }
        let words = PlainText.words(lower)
        return entries.contains {
            $0.length >= shortestPart && $0.length < 6 && (words.contains($0.text) || (!$0.isWord && TextSearch.contains(hay, $0.bytes)))
        }
    }
}
