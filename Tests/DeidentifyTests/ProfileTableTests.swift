import DICOMCore
import DICOMFile
@testable import Deidentify
import Testing

/// Walks spec/dicom/confidentiality-profile.tsv row by row: a data set holding every attribute
/// of the table is de-identified, and each attribute must be absent, emptied, replaced or kept
/// as its row says, for the Basic Profile alone and for each option.
@Suite struct ProfileTableTests {
    /// The test's own reading of the options: where selected option columns have an action,
    /// the most protective one replaces the Basic Profile's.
    static func resolve(_ row: DeidFixture.Row, options: Set<ProfileOption>) -> String {
        let rank = ["X": 7, "X/Z": 6, "X/D": 6, "X/Z/D": 6, "X/Z/U*": 6, "Z": 5, "Z/D": 4, "D": 4, "U": 3, "C": 2, "K": 1]
        var chosen = row.actions["basic_profile"]!
        var fromOption = false
        for option in options {
            guard let code = row.actions[option.rawValue] else { continue }
            if !fromOption || rank[code]! > rank[chosen]! {
                chosen = code
                fromOption = true
            }
        }
        return chosen
    }

    /// Replaced after the profile: the codes (Study ID by the study's code where present).
    static let replacedAtTop: Set<Tag> = [.patientName, .patientID, .accessionNumber, .studyID]

    /// The test's reading of PS3.15 E.1.1 for a compound action, by the attribute's type in
    /// CT Image (the fixture's IOD): Type 1 → D, Type 2 → Z, Type 3 or absent from the IOD →
    /// X; Z/D is Z unless Type 1; X/Z/U* keeps a Type 1 or 2 sequence's items, UIDs replaced.
    static func simple(_ code: String, type: AttributeType?) -> String {
        let one = type == .type1 || type == .type1C, two = type == .type2 || type == .type2C
        switch code {
        case "X/Z": return one || two ? "Z" : "X"
        case "X/D", "X/Z/D": return one ? "D" : two ? "Z" : "X"
        case "Z/D": return one ? "D" : "Z"
        case "X/Z/U*": return one || two ? "U" : "X"
        default: return code
        }
    }

    func check(options: Set<ProfileOption>) throws -> (checked: Int, problems: [String]) {
        let input = try DeidFixture.everyAttribute()
        let output = try DeidFixture.engine(options).deidentify(DeidFixture.file(input), identifiers: DeidFixture.identifiers).file.dataSet
        let iod = try #require(InformationObjectDefinition.forSOPClass(UID.ctImageStorage.rawValue))
        var problems: [String] = []
        var checked = 0
        for row in try DeidFixture.tableRows() {
            guard let raw = UInt32(row.tag, radix: 16), let original = input[Tag(raw)] else { continue }
            let tag = Tag(raw)
            if ProfileTableTests.replacedAtTop.contains(tag) { continue }
            checked += 1
            let compound = ProfileTableTests.resolve(row, options: options)
            let type = iod.type(at: [tag])
            var code = ProfileTableTests.simple(compound, type: type)
            let out = output[tag]
            let isSequence = original.vr == .SQ
            func fail(_ why: String) { problems.append("\(row.tag) \(row.keyword) [\(compound) → \(code)]: \(why)") }
            let outText = out?.strings().joined(separator: "\\") ?? ""
            let inText = original.strings().joined(separator: "\\")
            // Narrative text is removed by default (its type in the IOD may keep it present).
            if code == "C" && original.vr.isString && original.vr != .UI && AttributePolicy.textClass(tag) == .narrative {
                code = type == .type1 || type == .type1C ? "D" : type == .type2 || type == .type2C ? "Z" : "X"
            }
            // Without clean-graphics, annotations lose their text objects, and an annotation left
            // with neither text nor graphics goes (the fixture's item has neither).
            if tag == .graphicAnnotationSequence && !options.contains(.cleanGraphics) {
                if out != nil { fail("an annotation without text or graphics kept") }
                continue
            }
            switch code {
            case "X":
                if out != nil { fail("present") }
            case "Z":
                guard let out else { fail("absent"); continue }
                if !out.isEmpty { fail("not empty: \(outText)") }
            case "D":
                guard let out else { fail("absent"); continue }
                if isSequence {
                    guard let item = out.items?.first else { fail("items removed"); continue }
                    let nested = item.string(.referencedSOPInstanceUID) ?? ""
                    if item.string(.patientName)?.isEmpty == false { fail("nested PatientName kept") }
                    if AttributePolicy.sequenceUnderD(tag) == .content {
                        // Content: its items kept, each cleaned at its own level.
                        if options.contains(.retainUIDs) ? !nested.hasPrefix("1.2.826") : !nested.hasPrefix("2.25.") { fail("nested UID: \(nested)") }
                    } else if nested.hasPrefix("1.2.826") || item.string(.codeMeaning)?.hasPrefix("QNESTED") == true {
                        // A sequence that identifies: a dummy item, never its own.
                        fail("kept an original item's values")
                    }
                    continue
                }
                if out.isEmpty { fail("empty") }
                if original.vr == .UI && !outText.hasPrefix("2.25.") { fail("UID not remapped: \(outText)") }
                if original.vr.isString && original.vr != .UI && outText == inText && ![.DA, .TM, .DT, .IS, .DS, .AS].contains(original.vr) {
                    fail("kept its value")
                }
            case "U":
                guard let out else { fail("absent"); continue }
                if isSequence {
                    guard let item = out.items?.first else { fail("items removed"); continue }
                    let nested = item.string(.referencedSOPInstanceUID) ?? ""
                    if !nested.hasPrefix("2.25.") { fail("nested UID not remapped: \(nested)") }
                    if item.string(.patientName)?.isEmpty == false { fail("nested PatientName kept") }
                } else if original.vr == .UI {
                    if !outText.hasPrefix("2.25.") || outText == inText { fail("not remapped: \(outText)") }
                    if outText != DeidFixture.uids.remap(inText) { fail("not the keyed remapping") }
                } else if !out.isEmpty {
                    fail("not emptied")
                }
            case "K":
                guard let out else { fail("absent"); continue }
                if isSequence {
                    if out.items?.count != 1 { fail("items not kept") }
                } else if out.bytes != original.bytes {
                    fail("changed: \(outText)")
                }
            case "C":
                switch original.vr {
                case .SQ:
                    if let out, out.items?.count != 1 { fail("items not kept") }
                case .DA:
                    let want = options.contains(.retainLongitudinalModifiedDates) ? "20200303" : "20200315"
                    if outText != want { fail("date \(outText), want \(want)") }
                case .DT:
                    let want = options.contains(.retainLongitudinalModifiedDates) ? "20200303101500" : "20200315101500"
                    if outText != want { fail("date-time \(outText), want \(want)") }
                case .TM:
                    if outText != inText { fail("time changed") }
                case .UI:
                    if !outText.hasPrefix("2.25.") { fail("UID not remapped") }
                case _ where original.vr.isString:
                    if outText != inText { fail("text without identifying values changed: \(outText)") }
                default:
                    if out != nil { fail("binary value kept (sendit cannot clean it)") }
                }
            default:
                fail("unknown code")
            }
        }
        return (checked, problems)
    }

    @Test func theBasicProfileAloneDoesWhatEveryRowSays() throws {
        let (checked, problems) = try check(options: [])
        #expect(checked > 550, "only \(checked) rows checked")
        #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.prefix(40).joined(separator: "\n"))")
    }

    @Test(arguments: ProfileOption.allCases)
    func eachOptionDoesWhatItsColumnSays(_ option: ProfileOption) throws {
        let (checked, problems) = try check(options: [option])
        #expect(checked > 550)
        #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.prefix(40).joined(separator: "\n"))")
    }

    @Test func theDefaultOptionsTogether() throws {
        let (_, problems) = try check(options: DeidentificationSettings.defaultOptions)
        #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.prefix(40).joined(separator: "\n"))")
    }

    @Test func fullAndModifiedDatesExcludeEachOther() {
        #expect(throws: ConfidentialityProfile.ConflictingOptions.self) {
            try ConfidentialityProfile(options: [.retainLongitudinalFullDates, .retainLongitudinalModifiedDates])
        }
    }

    @Test func theGeneratedTableHasEveryRowOfTheTSV() throws {
        let rows = try DeidFixture.tableRows()
        let single = rows.filter { !$0.tag.contains("x") && $0.tag != "PRIVATE" }
        #expect(ConfidentialityProfile.tagsInTable.count == single.count)
        let profile = try ConfidentialityProfile(options: [])
        for row in single {
            let rule = profile.rule(for: Tag(UInt32(row.tag, radix: 16)!))
            #expect(rule?.action.description == row.actions["basic_profile"], "\(row.tag)")
        }
        #expect(profile.rule(for: Tag(group: 0x6002, element: 0x3000))?.action == .x)
        #expect(profile.rule(for: Tag(group: 0x5010, element: 0x0005))?.action == .x)
        #expect(profile.rule(for: Tag(group: 0x0029, element: 0x1010))?.action == .x)
        #expect(profile.rule(for: .pixelData) == nil)
    }
}
