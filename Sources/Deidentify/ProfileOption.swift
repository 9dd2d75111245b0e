/// An option of the Basic Application Level Confidentiality Profile (PS3.15 Annex E): each is a
/// column of Table E.1-1 whose non-empty cells replace the Basic Profile's action.
public enum ProfileOption: String, Sendable, CaseIterable, Comparable {
    case retainSafePrivate = "rtn_safe_priv"
    case retainUIDs = "rtn_uids"
    case retainDeviceIdentity = "rtn_dev_id"
    case retainInstitutionIdentity = "rtn_inst_id"
    case retainPatientCharacteristics = "rtn_pat_chars"
    case retainLongitudinalFullDates = "rtn_long_full_dates"
    case retainLongitudinalModifiedDates = "rtn_long_modif_dates"
    case cleanDescriptors = "clean_desc"
    case cleanStructuredContent = "clean_struct_cont"
    case cleanGraphics = "clean_graph"

    /// The table's column index among the option columns.
    var column: Int { ConfidentialityProfile.optionColumns.firstIndex(of: rawValue)! }

    /// The name used in settings and on the command line.
    public var settingName: String {
        switch self {
        case .retainSafePrivate: "retain-safe-private"
        case .retainUIDs: "retain-uids"
        case .retainDeviceIdentity: "retain-device-identity"
        case .retainInstitutionIdentity: "retain-institution-identity"
        case .retainPatientCharacteristics: "retain-patient-characteristics"
        case .retainLongitudinalFullDates: "retain-full-dates"
        case .retainLongitudinalModifiedDates: "retain-modified-dates"
        case .cleanDescriptors: "clean-descriptors"
        case .cleanStructuredContent: "clean-structured-content"
        case .cleanGraphics: "clean-graphics"
        }
    }

    public init?(settingName: String) {
        guard let found = ProfileOption.allCases.first(where: { $0.settingName == settingName.lowercased() || $0.rawValue == settingName })
        else { return nil }
        self = found
    }

    /// The CID 7050 code that records this option in De-identification Method Code Sequence.
    public var methodCode: DeidentificationMethodCode {
        DeidentificationMethodCode.all.first { $0.profileColumn == rawValue }!
    }

    public static func < (a: ProfileOption, b: ProfileOption) -> Bool { a.column < b.column }
}
