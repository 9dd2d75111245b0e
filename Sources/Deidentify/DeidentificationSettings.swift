import DICOMCore

/// How de-identification is done: the profile's options and what the options leave to sendit.
public struct DeidentificationSettings: Sendable, Equatable {
    public var profile: ConfidentialityProfile
    /// Private attributes kept under the Retain Safe Private option (any other private attribute
    /// is removed, as without the option).
    public var safePrivateAttributes: [SafePrivateAttribute] = []
    /// Keep public attributes that are neither in Table E.1-1 nor in the data dictionary (the
    /// table lists every standard attribute that may identify; an attribute the dictionary does
    /// not know is not known to be safe, so it is removed unless this is set).
    public var keepUnknownAttributes = false
    /// Patient Name of the output: `{entity}` is the patient's code, `{item}` the study's.
    public var patientNamePattern = "{entity}"
    /// A user recipe applied after the profile (nil: none).
    public var recipe: Recipe?
    /// Narrative text (comments, histories, reasons, SR text, LT/ST/UT in general) is removed
    /// unless this is set; then it is kept, cleaned like any kept text (a site that selects
    /// cohorts by the clinical indication, say). Short descriptors are kept cleaned either way
    /// (under clean-descriptors, or when the reviewed allowlist keeps them).
    public var keepsNarrativeText = false

    /// The options sendit uses unless told otherwise: dates shifted by the patient's jitter
    /// (intervals kept), patient characteristics (sex, age, size, weight) kept, descriptions
    /// kept only where they hold none of the patient's identifying values.
    public static let defaultOptions: Set<ProfileOption> = [
        .retainLongitudinalModifiedDates, .retainPatientCharacteristics, .cleanDescriptors,
    ]

    public init(profile: ConfidentialityProfile) {
        self.profile = profile
    }

    public static var standard: DeidentificationSettings {
        DeidentificationSettings(profile: try! ConfidentialityProfile(options: defaultOptions))
    }
}

/// A private attribute known to be safe: its private creator, group and element byte (the low
/// byte of the element number, the block being the creator's).
public struct SafePrivateAttribute: Sendable, Hashable {
    public var creator: String
    public var group: UInt16
    public var elementByte: UInt8

    public init(creator: String, group: UInt16, elementByte: UInt8) {
        self.creator = creator
        self.group = group
        self.elementByte = elementByte
    }

    /// `CREATOR,gggg,ee` with hexadecimal group and element byte, e.g. `GEMS_PARM_01,0043,39`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, !parts[0].isEmpty, let g = UInt16(parts[1], radix: 16), g & 1 == 1,
              let e = UInt8(parts[2], radix: 16) else { return nil }
        self.init(creator: parts[0], group: g, elementByte: e)
    }
}
