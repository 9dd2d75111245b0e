import DICOMCore

/// Binary numbers (UL, SL, UV, SV, FL, FD; OL, OV, OF, OD up to 4 KiB outside group 7FE0) equal to an identifier (matching spec 4): an MRN's
/// digits stored as an integer read back as that number by every viewer. Only identifiers of
/// 6 significant digits or more are compared (BinaryNumbers.smallest): a smaller number is a
/// count, a size or a position as often as it is an identifier, and a 5-digit identifier is
/// one in 100 000 values, too likely to remove a real measurement. US and SS cannot reach 6
/// digits. Floating-point values count when they are whole numbers.
enum BinaryNumbers {
    static let smallest: UInt64 = 100_000
    /// OL, OV, OF and OD values are read as numbers up to this length (4 KiB).
    static let largestOther: UInt64 = 4096

    /// The whole numbers of a binary numeric value, magnitudes of 6 digits or more only.
    static func candidates(_ e: DataElement, vr: VR) -> [UInt64] {
        func whole(_ d: Double) -> UInt64? {
            guard d.isFinite, d.rounded() == d, d.magnitude < 1e18 else { return nil }
            return UInt64(d.magnitude)
        }
        let all: [UInt64]
        switch vr {
        case .UL: all = e.uint32s.map { UInt64($0) }
        case .SL: all = e.int32s.map { UInt64($0.magnitude) }
        case .UV: all = e.uint64s
        case .SV: all = e.int64s.map { $0.magnitude }
        case .FL: all = e.floats.compactMap { whole(Double($0)) }
        case .FD: all = e.doubles.compactMap(whole)
        case .OL, .OV, .OF, .OD:
            // Other numbers of modest size only (a vector or a few selector values), never sample data.
            guard e.tag.group != 0x7FE0, let length = e.binaryLength, length <= largestOther else { return [] }
            switch vr {
            case .OL: all = e.uint32s.map { UInt64($0) }
            case .OV: all = e.uint64s
            case .OF: all = e.floats.compactMap { whole(Double($0)) }
            default: all = e.doubles.compactMap(whole)
            }
        default: return []
        }
        return all.filter { $0 >= smallest }
    }
}

extension TextCleaner {
    /// Whether `value` equals an identifier's digits (leading zeros aside).
    func isIdentifier(number value: UInt64) -> Bool {
        guard value >= BinaryNumbers.smallest else { return false }
        let digits = Array(String(value).utf8)
        guard let key = TextCleaner.numberKey(digits, exact: false) else { return false }
        return tables.numbers[key] == .id
    }
}

extension Walk {
    /// "id" if a binary number of `e` equals an identifier (BinaryNumbers), else nil.
    func identifyingNumber(_ e: DataElement) -> String? {
        for v in BinaryNumbers.candidates(e, vr: effectiveVR(e)) where cleaner.isIdentifier(number: v) {
            return IdentifyingKind.id.rawValue
        }
        return nil
    }
}
