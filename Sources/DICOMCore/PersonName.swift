/// A person name (PN, PS3.5 6.2.1): up to three component groups (alphabetic, ideographic,
/// phonetic) separated by `=`, each with up to five components separated by `^`: family name,
/// given name, middle name, prefix, suffix. The raw bytes of each group are kept.
public struct PersonName: Hashable, Sendable, CustomStringConvertible {
    public let alphabetic: String
    public let ideographic: String
    public let phonetic: String

    public init(alphabetic: String, ideographic: String = "", phonetic: String = "") {
        self.alphabetic = alphabetic
        self.ideographic = ideographic
        self.phonetic = phonetic
    }

    public init(bytes: ArraySlice<UInt8>, characterSet: SpecificCharacterSet) {
        var groups = bytes.split(separator: UInt8(ascii: "="), maxSplits: 2, omittingEmptySubsequences: false)
            .map { characterSet.decode($0) }
        while groups.count < 3 { groups.append("") }
        self.init(alphabetic: groups[0], ideographic: groups[1], phonetic: groups[2])
    }

    public init(_ text: String) {
        self.init(bytes: Array(text.utf8)[...], characterSet: .utf8)
    }

    /// The components of a group: family, given, middle, prefix, suffix (missing ones empty).
    public static func components(of group: String) -> [String] {
        var parts = group.split(separator: "^", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        while parts.count < 5 { parts.append("") }
        return parts
    }

    public var familyName: String { PersonName.components(of: alphabetic)[0] }
    public var givenName: String { PersonName.components(of: alphabetic)[1] }

    /// The groups joined with `=`, trailing empty groups dropped: the value as encoded.
    public var description: String {
        var groups = [alphabetic, ideographic, phonetic]
        while let last = groups.last, last.isEmpty, groups.count > 1 { groups.removeLast() }
        return groups.joined(separator: "=")
    }
}
