import DICOMCore

/// Rules that decide, from the header alone, that an image may carry burned-in text (names,
/// dates, IDs drawn into the pixels), so it is HELD for a person instead of being sent. The
/// rules are data: a text file, one rule a line (see `parse`); `defaultText` is what sendit
/// uses unless given another file.
///
///     # allow NAME if CONDITION [and CONDITION]...   (checked first: a match lets the image go)
///     # hold  NAME if CONDITION [and CONDITION]...
///     # CONDITION: KEYWORD is V1|V2…       a value of the attribute equals one (ignoring case)
///     #            KEYWORD has V1|V2…      same, for one of a multi-valued attribute's values
///     #            KEYWORD contains V1|V2… a value contains one as text
///     #            KEYWORD present         the attribute is there and not empty
/// SOP Class UID values may be written as the registry's keywords.
public struct BurnedInRules: Sendable, Equatable {
    public enum Verdict: String, Sendable { case allow, hold }

    public struct Condition: Sendable, Equatable {
        public enum Test: String, Sendable { case `is`, has, contains, present }
        public let tag: Tag
        public let keyword: String
        public let test: Test
        public let values: [String]   // upper-cased

        func matches(_ ds: DataSet) -> Bool {
            guard let e = ds[tag] else { return false }
            let found = e.vr == .UI ? e.strings().map { $0.uppercased() } : ds.strings(tag).map { PlainText.trimmingWhitespace($0).uppercased() }
            switch test {
            case .present: return found.contains { !$0.isEmpty }
            case .is: return found.first.map { values.contains($0) } ?? false
            case .has: return found.contains { values.contains($0) }
            case .contains: return found.contains { v in values.contains { v.contains($0) } }
            }
        }
    }

    public struct Rule: Sendable, Equatable {
        public let verdict: Verdict
        public let name: String
        public let conditions: [Condition]
    }

    public let rules: [Rule]

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// The rule that holds this image, or nil if none does (or an allow rule lets it go).
    public func holdingRule(for ds: DataSet) -> String? {
        let matching = rules.filter { rule in rule.conditions.allSatisfy { $0.matches(ds) } }
        if matching.contains(where: { $0.verdict == .allow }) { return nil }
        return matching.first { $0.verdict == .hold }?.name
    }

    public static func parse(_ text: String) throws -> BurnedInRules {
        var rules: [Rule] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            guard words.count >= 4, let verdict = Verdict(rawValue: words[0].lowercased()), words[2].lowercased() == "if" else {
                throw ParseError(line: n + 1, message: "expected: hold|allow NAME if CONDITION [and CONDITION]...")
            }
            if words.last?.lowercased() == "and" {
                throw ParseError(line: n + 1, message: "a condition must follow \"and\"")
            }
            var conditions: [Condition] = []
            var rest = Array(words[3...])
            while !rest.isEmpty {
                let end = rest.firstIndex { $0.lowercased() == "and" } ?? rest.count
                conditions.append(try condition(Array(rest[..<end]), line: n + 1))
                rest = end < rest.count ? Array(rest[(end + 1)...]) : []
            }
            rules.append(Rule(verdict: verdict, name: words[1], conditions: conditions))
        }
        return BurnedInRules(rules: rules)
    }

    static func condition(_ words: [String], line: Int) throws -> Condition {
        guard let keyword = words.first, let entry = DataDictionary.entry(forKeyword: keyword) else {
            throw ParseError(line: line, message: "unknown attribute keyword \"\(words.first ?? "")\"")
        }
        guard words.count >= 2, let test = Condition.Test(rawValue: words[1].lowercased()) else {
            throw ParseError(line: line, message: "expected is, has, contains or present after \(keyword)")
        }
        if test == .present {
            guard words.count == 2 else { throw ParseError(line: line, message: "present takes no values") }
            return Condition(tag: entry.tag, keyword: keyword, test: test, values: [])
        }
        guard words.count >= 3 else { throw ParseError(line: line, message: "\(keyword) \(test.rawValue) needs values") }
        // Values may hold spaces when quoted: "SCREEN SAVE".
        let joined = words[2...].joined(separator: " ")
        var values: [String] = []
        for piece in joined.split(separator: "|") {
            var v = piece.trimmingCharacters(in: .whitespaces)
            if v.count >= 2 && v.hasPrefix("\"") && v.hasSuffix("\"") { v = String(v.dropFirst().dropLast()) }
            if entry.vr == .UI && !v.first!.isNumber {
                guard let uid = UIDRegistry.all.first(where: { $0.keyword == v })?.uid.rawValue else {
                    throw ParseError(line: line, message: "\"\(v)\" is not a UID keyword of the registry")
                }
                v = uid
            }
            values.append(v.uppercased())
        }
        return Condition(tag: entry.tag, keyword: keyword, test: test, values: values)
    }

    /// sendit's rules unless told otherwise.
    public static let defaultText = """
        # Burned-in text: images whose header says, or whose kind usually has, text in the pixels.
        hold burned-in-annotation if BurnedInAnnotation is YES
        hold ultrasound if Modality is US|IVUS
        hold secondary-capture if SOPClassUID is SecondaryCaptureImageStorage|MultiFrameSingleBitSecondaryCaptureImageStorage|MultiFrameGrayscaleByteSecondaryCaptureImageStorage|MultiFrameGrayscaleWordSecondaryCaptureImageStorage|MultiFrameTrueColorSecondaryCaptureImageStorage
        hold ultrasound-object if SOPClassUID is UltrasoundImageStorage|UltrasoundMultiFrameImageStorage
        hold document if SOPClassUID is EncapsulatedPDFStorage|EncapsulatedCDAStorage
        hold dose-report if SOPClassUID is XRayRadiationDoseSRStorage|RadiopharmaceuticalRadiationDoseSRStorage|PatientRadiationDoseSRStorage
        hold photograph if SOPClassUID is VLPhotographicImageStorage|VideoPhotographicImageStorage|VideoEndoscopicImageStorage|VLEndoscopicImageStorage
        hold external-camera if Modality is XC
        hold slide-label if SOPClassUID is VLWholeSlideMicroscopyImageStorage and ImageType has LABEL|OVERVIEW
        hold screen-save if ImageType has "SCREEN SAVE"
        hold derived-ct-mr if Modality is CT|MR and ImageType has SECONDARY|DERIVED
        """

    public static var standard: BurnedInRules { try! parse(defaultText) }
}
