/// Values decoded on demand from an element's bytes (PS3.5 6.2). Nothing here allocates unless
/// called; the bytes stay as they were read.
extension DataElement {
    /// The values of a string element: split at backslashes (for the multi-valued VRs), padding
    /// removed per the VR's rules, decoded with `characterSet` where the VR uses it.
    public func strings(characterSet: SpecificCharacterSet = .default) -> [String] {
        guard let raw = bytes, vr.isString || vr == .UN else { return [] }
        if raw.allSatisfy({ $0 == 0x20 || $0 == 0x00 }) { return [] }   // empty, or padding only
        let parts: [ArraySlice<UInt8>] = vr.isMultiValuedString
            ? raw[...].split(separator: 0x5C, omittingEmptySubsequences: false)
            : [raw[...]]
        return parts.map { part in
            let trimmed = DataElement.trimmed(part, vr: vr)
            return vr.usesSpecificCharacterSet ? characterSet.decode(trimmed) : SpecificCharacterSet.default.decode(trimmed)
        }
    }

    /// The first string value, or nil if the element is empty or not a string.
    public func string(characterSet: SpecificCharacterSet = .default) -> String? {
        strings(characterSet: characterSet).first
    }

    /// Person names (PN), each with its alphabetic, ideographic and phonetic groups.
    public func personNames(characterSet: SpecificCharacterSet = .default) -> [PersonName] {
        guard vr == .PN, let raw = bytes, !raw.isEmpty else { return [] }
        return raw[...].split(separator: 0x5C, omittingEmptySubsequences: false).map {
            PersonName(bytes: DataElement.trimmed($0, vr: .PN), characterSet: characterSet)
        }
    }

    public var uint16s: [UInt16] { numbers(UInt16.self) }
    public var int16s: [Int16] { numbers(Int16.self) }
    public var uint32s: [UInt32] { numbers(UInt32.self) }
    public var int32s: [Int32] { numbers(Int32.self) }
    public var uint64s: [UInt64] { numbers(UInt64.self) }
    public var int64s: [Int64] { numbers(Int64.self) }
    public var floats: [Float] { numbers(UInt32.self).map(Float.init(bitPattern:)) }
    public var doubles: [Double] { numbers(UInt64.self).map(Double.init(bitPattern:)) }

    /// AT values: each a pair of 16-bit numbers, group then element.
    public var tags: [Tag] {
        let n = numbers(UInt16.self)
        return stride(from: 0, to: n.count - 1, by: 2).map { Tag(group: n[$0], element: n[$0 + 1]) }
    }

    /// Integer values of US, SS, UL, SL, SV, UV or IS (IS values that do not parse are skipped).
    public var integers: [Int] {
        switch vr {
        case .US: return uint16s.map(Int.init)
        case .SS: return int16s.map(Int.init)
        case .UL: return uint32s.map(Int.init)
        case .SL: return int32s.map(Int.init)
        case .SV: return int64s.map(Int.init)
        case .UV: return uint64s.compactMap { Int(exactly: $0) }
        case .IS: return strings().compactMap { Int($0) }
        default: return []
        }
    }

    /// Values of DS, FL or FD as Double (DS values that do not parse are skipped).
    public var decimals: [Double] {
        switch vr {
        case .FL: return floats.map(Double.init)
        case .FD: return doubles
        case .DS: return strings().compactMap { Double($0) }
        default: return []
        }
    }

    public var dates: [DICOMDate] { vr == .DA ? strings().compactMap(DICOMDate.init) : [] }
    public var times: [DICOMTime] { vr == .TM ? strings().compactMap(DICOMTime.init) : [] }
    public var dateTimes: [DICOMDateTime] { vr == .DT ? strings().compactMap(DICOMDateTime.init) : [] }

    /// Little-endian numbers from the value bytes; a trailing partial number is ignored.
    func numbers<T: FixedWidthInteger>(_: T.Type) -> [T] {
        guard let raw = bytes else { return [] }
        let size = MemoryLayout<T>.size
        let n = raw.count / size
        return [T](unsafeUninitializedCapacity: n) { buffer, count in
            raw.withUnsafeBytes { src in
                for i in 0..<n { buffer[i] = T(littleEndian: src.loadUnaligned(fromByteOffset: i * size, as: T.self)) }
            }
            count = n
        }
    }

    /// Removes padding as PS3.5 6.2 allows for the VR: leading and trailing spaces where both
    /// are insignificant, trailing spaces (and NULs) only for the text VRs, trailing NULs for UI.
    public static func trimmed(_ s: ArraySlice<UInt8>, vr: VR) -> ArraySlice<UInt8> {
        var lo = s.startIndex, hi = s.endIndex
        func isPad(_ b: UInt8) -> Bool { b == 0x20 || b == 0x00 }
        while hi > lo && isPad(s[hi - 1]) { hi -= 1 }
        switch vr {
        case .AE, .CS, .DS, .IS, .LO, .SH, .AS, .DA, .TM, .UI:
            while lo < hi && s[lo] == 0x20 { lo += 1 }
        default:
            break
        }
        return s[lo..<hi]
    }
}
