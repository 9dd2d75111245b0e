import DICOMCore
@testable import Deidentify
import Testing
import TestSupport

/// The generated AttributePolicy tables against spec/deid/*.tsv, read here row by row.
@Suite struct AttributePolicyTests {
    /// The tags a TSV tag stands for: itself, or with its x digits as 0 and as 1E (group 601E…).
    static func instances(_ text: String) -> [Tag] {
        text.contains("x") ? [Tag(SpecTSV.tag(text, x: "00")!), Tag(SpecTSV.tag(text, x: "1E")!)] : [Tag(SpecTSV.tag(text)!)]
    }

    /// Checks `lookUp` against the `column` of every row, and that tags of the other files'
    /// rows (which this file does not name) give nil.
    func check<T: RawRepresentable & Equatable>(_ file: String, column: String, _ lookUp: (Tag) -> T?) throws
    where T.RawValue == UInt8 {
        let table = try SpecTSV("deid/" + file)
        #expect(!table.rows.isEmpty)
        let named = Set(table.rows.flatMap { Self.instances($0["tag"]!) })
        for row in table.rows {
            for tag in Self.instances(row["tag"]!) {
                let got = lookUp(tag).map { "\($0)" }
                #expect(got == row[column], "\(file) \(row["tag"]!) as \(tag)")
            }
        }
        var others = 0
        for other in ["attributes-without-row.tsv", "text-attributes-with-row.tsv", "sequences-under-d.tsv", "uid-attributes.tsv"]
        where other != file {
            for row in try SpecTSV("deid/" + other).rows {
                for tag in Self.instances(row["tag"]!) where !named.contains(tag) {
                    others += 1
                    #expect(lookUp(tag) == nil, "\(file): \(row["tag"]!) of \(other)")
                }
            }
        }
        #expect(others > 0)
    }

    @Test func attributesWithoutRow() throws {
        try check("attributes-without-row.tsv", column: "decision", AttributePolicy.withoutRow)
    }

    @Test func textAttributesWithRow() throws {
        try check("text-attributes-with-row.tsv", column: "class", AttributePolicy.textClass)
    }

    @Test func sequencesUnderD() throws {
        try check("sequences-under-d.tsv", column: "decision", AttributePolicy.sequenceUnderD)
    }

    @Test func uidAttributes() throws {
        try check("uid-attributes.tsv", column: "kind", AttributePolicy.uidKind)
    }

    @Test func codingSchemes() throws {
        let rows = try SpecTSV("deid/coding-scheme-uids.tsv").rows
        #expect(!rows.isEmpty)
        for row in rows {
            let uid = row["uid"]!
            #expect(AttributePolicy.isWellKnownCodingScheme(uid), "\(uid)")
            #expect(!AttributePolicy.isWellKnownCodingScheme(uid + ".1"))
            #expect(!AttributePolicy.isWellKnownCodingScheme(String(uid.dropLast())) || rows.contains { $0["uid"] == String(uid.dropLast()) })
        }
        #expect(!AttributePolicy.isWellKnownCodingScheme(""))
        #expect(!AttributePolicy.isWellKnownCodingScheme("1.2.840.10008.5.1.4.1.1.2"))
    }

    /// A private tag is never taken for the standard attribute its repeating-group mask would
    /// make of it: (6001,xxxx) is private, not an overlay.
    @Test func privateTagsNeverMatch() throws {
        var checked = 0
        for file in ["attributes-without-row.tsv", "text-attributes-with-row.tsv"] {
            for row in try SpecTSV("deid/" + file).rows where row["tag"]!.hasPrefix("60xx") {
                let privateTag = Tag(SpecTSV.tag(row["tag"]!, x: "01")!)
                #expect(privateTag.isPrivate)
                #expect(AttributePolicy.withoutRow(privateTag) == nil && AttributePolicy.textClass(privateTag) == nil)
                checked += 1
            }
        }
        #expect(checked > 0)
    }
}
