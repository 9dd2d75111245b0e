import DICOMCore

/// PS3.15 Table E.1-1 (generated from spec/dicom/confidentiality-profile.tsv) with a chosen set
/// of options: the action for each attribute.
///
/// Where a selected option's column has an action for an attribute, it replaces the Basic
/// Profile's. Where several selected options have one (Retain Device Identity and Retain
/// Longitudinal Modified Dates on a calibration date, say), the most protective wins: X, then
/// Z, then D, then U, then C, then K. Retain Longitudinal Full Dates and Modified Dates exclude
/// each other.
public struct ConfidentialityProfile: Sendable, Equatable {
    public let options: Set<ProfileOption>
    /// The options in the table's column order (looked up for every element).
    let orderedOptions: [ProfileOption]

    public struct ConflictingOptions: Error, CustomStringConvertible {
        public var description: String {
            "the Retain Longitudinal Temporal Information options Full Dates and Modified Dates exclude each other"
        }
    }

    public init(options: Set<ProfileOption>) throws {
        if options.contains(.retainLongitudinalFullDates) && options.contains(.retainLongitudinalModifiedDates) {
            throw ConflictingOptions()
        }
        self.options = options
        orderedOptions = options.sorted()
    }

    /// What the table says for one attribute.
    public struct Rule: Sendable, Equatable {
        /// The action after the options, still possibly compound (X/Z, …).
        public let action: ProfileAction
        /// The table row's keyword or name.
        public let name: String
        /// The option whose column decided, or nil for the Basic Profile's own action.
        public let option: ProfileOption?
    }

    /// The rule for `tag`, or nil if no row of the table names it. Private tags (odd group)
    /// fall under the table's private row; private creators too.
    public func rule(for tag: Tag) -> Rule? {
        if tag.isPrivate { return rule(codes: ConfidentialityProfile.privateActions[...], name: "Private Attributes") }
        if let row = ConfidentialityProfile.row(of: tag.rawValue) {
            let start = row * ConfidentialityProfile.columnCount
            return rule(codes: ConfidentialityProfile.actions[start..<start + ConfidentialityProfile.columnCount],
                        name: ConfidentialityProfile.names[row])
        }
        for masked in ConfidentialityProfile.maskedRows where tag.rawValue & masked.mask == masked.value {
            return rule(codes: masked.actions[...], name: masked.name)
        }
        return nil
    }

    /// Basic Prof. plus the ten option columns.
    static let columnCount = 11

    static func row(of tag: UInt32) -> Int? {
        var lo = 0, hi = tags.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if tags[mid] < tag { lo = mid + 1 } else { hi = mid }
        }
        return lo < tags.count && tags[lo] == tag ? lo : nil
    }

    func rule(codes: ArraySlice<UInt8>, name: String) -> Rule {
        let base = codes.startIndex
        var chosen = ProfileAction(rawValue: codes[base])!
        var decidedBy: ProfileOption? = nil
        for option in orderedOptions {
            let code = codes[base + 1 + option.column]
            guard code != 0, let action = ProfileAction(rawValue: code) else { continue }
            if decidedBy == nil || ConfidentialityProfile.protection(action) > ConfidentialityProfile.protection(chosen) {
                chosen = action
                decidedBy = option
            }
        }
        return Rule(action: chosen, name: name, option: decidedBy)
    }

    /// How much an action protects: removal most, keeping least.
    static func protection(_ a: ProfileAction) -> Int {
        switch a {
        case .x: 7
        case .xz, .xd, .xzd, .xzu: 6
        case .z: 5
        case .zd, .d: 4
        case .u: 3
        case .c: 2
        case .k: 1
        }
    }

    /// Every tag that has a row of its own, for tests that walk the table.
    public static var tagsInTable: [Tag] { tags.map(Tag.init) }
}
