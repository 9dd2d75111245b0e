import DICOMCore

/// Rules that decide, from the header alone, whether an image may carry burned-in text (names,
/// dates, IDs drawn into the pixels), so that it is HELD for a person instead of being sent.
/// The rules are data: a text file, one rule a line (see `parse`); `defaultText` is what sendit
/// uses unless given another file. sendit's own table is an allowlist: it names the kinds that
/// normally carry no text and holds everything else.
///
///     # allow NAME if CONDITION [and CONDITION]...   (checked first: a match lets the image go)
///     # hold  NAME if CONDITION [and CONDITION]...   (then: the first match holds it, named)
///     # hold  NAME otherwise                         (at most one: holds what no rule allowed)
///     # CONDITION: KEYWORD is V1|V2…       a value of the attribute equals one (ignoring case)
///     #            KEYWORD has V1|V2…      same, for one of a multi-valued attribute's values
///     #            KEYWORD lacks V1|V2…    no value equals one (an absent attribute lacks all)
///     #            KEYWORD contains V1|V2… a value contains one as text
///     #            KEYWORD present         the attribute is there and not empty
///     #            KEYWORD absent          the attribute is not there, or empty
/// SOP Class UID values may be written as the registry's keywords. Without an `otherwise`
/// line, an image no rule holds goes (what rule files meant before `otherwise` existed).
///
/// Whatever the rules say, an image whose BurnedInAnnotation is YES is held (rule
/// `burned-in-annotation`), and so is one whose Recognizable Visual Features is YES (rule
/// `recognizable-visual-features`): the image's own header says its pixels identify the
/// patient, and no rule about a model or a class knows better. A person may still release it.
public struct BurnedInRules: Sendable, Equatable {
    public enum Verdict: String, Sendable { case allow, hold }

    public struct Condition: Sendable, Equatable {
        public enum Test: String, Sendable { case `is`, has, lacks, contains, present, absent }
        public let tag: Tag
        public let keyword: String
        public let test: Test
        public let values: [String]   // upper-cased

        public func matches(_ ds: DataSet) -> Bool {
            guard ds[tag] != nil else { return test == .lacks || test == .absent }
            let found = BurnedInRules.values(of: tag, in: ds)
            switch test {
            case .present: return found.contains { !$0.isEmpty }
            case .absent: return !found.contains { !$0.isEmpty }
            case .is: return found.first.map { values.contains($0) } ?? false
            case .has: return found.contains { values.contains($0) }
            case .lacks: return !found.contains { values.contains($0) }
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
    /// The name an image no rule allowed is held under (`hold NAME otherwise`); nil: it goes.
    public let otherwise: String?

    public init(rules: [Rule], otherwise: String? = nil) {
        self.rules = rules
        self.otherwise = otherwise
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// The verdict on an image and the rule that gave it (nil: no rule allowed it, and the
    /// rules have no `otherwise`).
    public struct Decision: Sendable, Equatable {
        public let verdict: Verdict
        public let rule: String?
    }

    /// The name under which BurnedInAnnotation YES holds an image, whatever the rules say.
    public static let burnedInAnnotationRule = "burned-in-annotation"
    /// The same for Recognizable Visual Features YES (0028,0302): the header says the pixels
    /// show the patient's face (PS3.15's Clean Recognizable Visual Features is not done here).
    public static let recognizableVisualFeaturesRule = "recognizable-visual-features"

    /// An attribute's values as the rules compare them: trimmed, upper-cased, read the way the
    /// engine will read them after normalising the input. A value sent under another VR (UN,
    /// or OB where the dictionary says CS) is decoded as its dictionary VR, and a NUL is read
    /// as a space: a header that hides SECONDARY or YES from the rules hides it from no one
    /// else, so the rules must see it too.
    static func values(of tag: Tag, in ds: DataSet) -> [String] {
        guard var e = ds[tag], var bytes = e.bytes else { return [] }
        if !e.vr.isString, let entry = DataDictionary.entry(for: tag), entry.vrs.count == 1, entry.vrs[0].isString {
            e.vr = entry.vrs[0]
        }
        if bytes.contains(0) {
            for i in bytes.indices where bytes[i] == 0 { bytes[i] = 0x20 }
            e.value = .binary(.inline(bytes))
        }
        let charset = e.vr == .UI ? SpecificCharacterSet.default : ds.specificCharacterSet
        return e.strings(characterSet: charset).map { PlainText.trimmingWhitespace($0).uppercased() }
    }

    public func decision(for ds: DataSet) -> Decision {
        // Anything but NO (YES, Y, a value no reader knows) is read as YES: only NO says no.
        if BurnedInRules.values(of: .burnedInAnnotation, in: ds).contains(where: { !$0.isEmpty && $0 != "NO" }) {
            return Decision(verdict: .hold, rule: BurnedInRules.burnedInAnnotationRule)
        }
        if BurnedInRules.values(of: .recognizableVisualFeatures, in: ds).contains(where: { !$0.isEmpty && $0 != "NO" }) {
            return Decision(verdict: .hold, rule: BurnedInRules.recognizableVisualFeaturesRule)
        }
        let matching = rules.filter { rule in rule.conditions.allSatisfy { $0.matches(ds) } }
        if let allow = matching.first(where: { $0.verdict == .allow }) { return Decision(verdict: .allow, rule: allow.name) }
        if let hold = matching.first(where: { $0.verdict == .hold }) { return Decision(verdict: .hold, rule: hold.name) }
        if let otherwise { return Decision(verdict: .hold, rule: otherwise) }
        return Decision(verdict: .allow, rule: nil)
    }

    /// The rule that holds this image, or nil if none does (or an allow rule lets it go).
    public func holdingRule(for ds: DataSet) -> String? {
        let d = decision(for: ds)
        return d.verdict == .hold ? d.rule : nil
    }

    public static func parse(_ text: String) throws -> BurnedInRules {
        var rules: [Rule] = []
        var otherwise: String?
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            if words.count == 3 && words[2].lowercased() == "otherwise" {
                guard words[0].lowercased() == "hold" else {
                    throw ParseError(line: n + 1, message: "only hold NAME otherwise (an image no rule holds goes without it)")
                }
                guard otherwise == nil else { throw ParseError(line: n + 1, message: "a second otherwise") }
                otherwise = words[1]
                continue
            }
            guard words.count >= 4, let verdict = Verdict(rawValue: words[0].lowercased()), words[2].lowercased() == "if" else {
                throw ParseError(line: n + 1, message: "expected: hold|allow NAME if CONDITION [and CONDITION]..., or hold NAME otherwise")
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
        return BurnedInRules(rules: rules, otherwise: otherwise)
    }

    /// Conditions written as in a rule after its `if`: `CONDITION [and CONDITION]...` (routing
    /// rules share the language). Throws on the first mistake, naming it.
    public static func conditions(_ text: String) throws -> [Condition] {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard !words.isEmpty else { throw ParseError(line: 1, message: "no condition") }
        if words.last?.lowercased() == "and" || words.first?.lowercased() == "and" {
            throw ParseError(line: 1, message: "a condition must follow \"and\"")
        }
        var conditions: [Condition] = []
        var rest = words[...]
        while !rest.isEmpty {
            let end = rest.firstIndex { $0.lowercased() == "and" } ?? rest.endIndex
            conditions.append(try condition(Array(rest[..<end]), line: 1))
            rest = end < rest.endIndex ? rest[(end + 1)...] : []
        }
        return conditions
    }

    static func condition(_ words: [String], line: Int) throws -> Condition {
        guard let keyword = words.first, let entry = DataDictionary.entry(forKeyword: keyword) else {
            throw ParseError(line: line, message: "unknown attribute keyword \"\(words.first ?? "")\"")
        }
        guard words.count >= 2, let test = Condition.Test(rawValue: words[1].lowercased()) else {
            throw ParseError(line: line, message: "expected is, has, lacks, contains, present or absent after \(keyword)")
        }
        if test == .present || test == .absent {
            guard words.count == 2 else { throw ParseError(line: line, message: "\(test.rawValue) takes no values") }
            return Condition(tag: entry.tag, keyword: keyword, test: test, values: [])
        }
        guard words.count >= 3 else { throw ParseError(line: line, message: "\(keyword) \(test.rawValue) needs values") }
        // Values may hold spaces when quoted: "SCREEN SAVE".
        let joined = words[2...].joined(separator: " ")
        var values: [String] = []
        for piece in joined.split(separator: "|") {
            var v = piece.trimmingCharacters(in: .whitespaces)
            if v.count >= 2 && v.hasPrefix("\"") && v.hasSuffix("\"") { v = String(v.dropFirst().dropLast()) }
            guard !v.isEmpty else { throw ParseError(line: line, message: "\(keyword) \(test.rawValue): an empty value") }
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

    /// sendit's rules unless told otherwise: an allowlist. Each row's reason is in
    /// docs/deidentification-operations.md (Burned-in text); a test gives every storage SOP
    /// class its verdict.
    public static let defaultText = """
        # Burned-in text, by allowlist: an image is HELD unless a rule below allows it. An image
        # whose BurnedInAnnotation is YES is held whatever the rules say (burned-in-annotation).
        #
        # Allowed: kinds that normally carry no text in their pixels. A Conversion Type (the SC
        # Equipment module's) says the image was captured or converted, whatever its class.
        allow ct if SOPClassUID is CTImageStorage|EnhancedCTImageStorage|LegacyConvertedEnhancedCTImageStorage and Modality is CT and ImageType lacks SECONDARY|"SCREEN SAVE" and ConversionType absent
        allow mr if SOPClassUID is MRImageStorage|EnhancedMRImageStorage|EnhancedMRColorImageStorage|LegacyConvertedEnhancedMRImageStorage and Modality is MR and ImageType lacks SECONDARY|"SCREEN SAVE" and ConversionType absent
        allow pet if SOPClassUID is PositronEmissionTomographyImageStorage|EnhancedPETImageStorage|LegacyConvertedEnhancedPETImageStorage and Modality is PT and ImageType lacks SECONDARY|"SCREEN SAVE" and ConversionType absent
        allow nm if SOPClassUID is NuclearMedicineImageStorage and Modality is NM and ImageType lacks SECONDARY|"SCREEN SAVE" and ConversionType absent
        allow rt if SOPClassUID is RTPlanStorage|RTIonPlanStorage|RTStructureSetStorage|RTDoseStorage
        allow segmentation if SOPClassUID is SegmentationStorage|SurfaceSegmentationStorage|LabelMapSegmentationStorage|HeightMapSegmentationStorage
        # Allowed when they say BurnedInAnnotation NO, which their IODs make Type 1 (PS3.3).
        allow says-no if SOPClassUID is DigitalXRayImageStorageForPresentation|DigitalXRayImageStorageForProcessing|DigitalMammographyXRayImageStorageForPresentation|DigitalMammographyXRayImageStorageForProcessing|DigitalIntraOralXRayImageStorageForPresentation|DigitalIntraOralXRayImageStorageForProcessing|EnhancedCTImageStorage|LegacyConvertedEnhancedCTImageStorage|EnhancedMRImageStorage|EnhancedMRColorImageStorage|LegacyConvertedEnhancedMRImageStorage|EnhancedPETImageStorage|LegacyConvertedEnhancedPETImageStorage|EnhancedXAImageStorage|EnhancedXRFImageStorage|XRay3DAngiographicImageStorage|XRay3DCraniofacialImageStorage|BreastTomosynthesisImageStorage|BreastProjectionXRayImageStorageForPresentation|BreastProjectionXRayImageStorageForProcessing|IntravascularOpticalCoherenceTomographyImageStorageForPresentation|IntravascularOpticalCoherenceTomographyImageStorageForProcessing|ParametricMapStorage and BurnedInAnnotation is NO
        allow slide-says-no if SOPClassUID is VLWholeSlideMicroscopyImageStorage and BurnedInAnnotation is NO and ImageType lacks LABEL|OVERVIEW
        # XA and RF of the older IODs, where BurnedInAnnotation is Type 3: allowed only when they say NO.
        allow xa-rf-says-no if SOPClassUID is XRayAngiographicImageStorage|XRayRadiofluoroscopicImageStorage and BurnedInAnnotation is NO
        #
        # Held: everything else. These rows only name the reason; the last line holds the rest.
        hold ultrasound if SOPClassUID is UltrasoundImageStorage|UltrasoundMultiFrameImageStorage|UltrasoundImageStorageRetired|UltrasoundMultiFrameImageStorageRetired|EnhancedUSVolumeStorage|PhotoacousticImageStorage|UltrasoundWaveformStorage
        hold ultrasound if Modality is US|IVUS
        hold secondary-capture if SOPClassUID is SecondaryCaptureImageStorage|MultiFrameSingleBitSecondaryCaptureImageStorage|MultiFrameGrayscaleByteSecondaryCaptureImageStorage|MultiFrameGrayscaleWordSecondaryCaptureImageStorage|MultiFrameTrueColorSecondaryCaptureImageStorage
        hold ophthalmic if SOPClassUID is OphthalmicPhotography8BitImageStorage|OphthalmicPhotography16BitImageStorage|OphthalmicTomographyImageStorage|WideFieldOphthalmicPhotographyStereographicProjectionImageStorage|WideFieldOphthalmicPhotography3DCoordinatesImageStorage|OphthalmicOpticalCoherenceTomographyEnFaceImageStorage|OphthalmicOpticalCoherenceTomographyBscanVolumeAnalysisStorage|OphthalmicThicknessMapStorage|CornealTopographyMapStorage
        hold video if SOPClassUID is VideoEndoscopicImageStorage|VideoMicroscopicImageStorage|VideoPhotographicImageStorage
        hold photograph if SOPClassUID is VLEndoscopicImageStorage|VLMicroscopicImageStorage|VLSlideCoordinatesMicroscopicImageStorage|VLPhotographicImageStorage|DermoscopicPhotographyImageStorage
        hold slide-label if SOPClassUID is VLWholeSlideMicroscopyImageStorage and ImageType has LABEL|OVERVIEW
        hold slide if SOPClassUID is VLWholeSlideMicroscopyImageStorage
        hold xa-rf if SOPClassUID is XRayAngiographicImageStorage|XRayRadiofluoroscopicImageStorage|EnhancedXAImageStorage|EnhancedXRFImageStorage|XRayAngiographicBiPlaneImageStorage
        hold document if SOPClassUID is EncapsulatedPDFStorage|EncapsulatedCDAStorage|EncapsulatedSTLStorage|EncapsulatedOBJStorage|EncapsulatedMTLStorage
        hold photograph if Modality is XC|ES|GM|SM|OP|DMS
        hold structured-report if Modality is SR|KO
        hold presentation-state if Modality is PR
        hold converted if ConversionType present
        hold screen-save if ImageType has "SCREEN SAVE"
        hold secondary if ImageType has SECONDARY
        hold other-modality if Modality is OT
        hold not-on-allowlist otherwise
        """

    public static var standard: BurnedInRules { try! parse(defaultText) }
}
