/// A DIMSE status code (0000,0900) and what it means (PS3.7 Annex C, PS3.4 B.2.3). The table of
/// codes, ranges and meanings is generated from spec/dicom/dimse-status.tsv.
public struct DIMSEStatus: Hashable, Sendable, CustomStringConvertible {
    public enum Category: String, Sendable {
        case success, warning, failure, cancel, pending
    }

    public let code: UInt16

    public init(_ code: UInt16) { self.code = code }

    var entry: (min: UInt16, max: UInt16, category: Category, meaning: String, cStore: Bool, cEcho: Bool)? {
        DIMSEStatus.table.first { $0.min <= code && code <= $0.max }
    }

    /// The category: from the table, else by the code's range as PS3.7 C.1 assigns them
    /// (Bxxx warning, Axxx and Cxxx failure, FF00/FF01 pending).
    public var category: Category {
        if let e = entry { return e.category }
        switch code {
        case 0x0000: return .success
        case 0x0001, 0xB000...0xBFFF: return .warning
        case 0xFF00, 0xFF01: return .pending
        case 0xFE00: return .cancel
        default: return .failure
        }
    }

    public var meaning: String { entry?.meaning ?? "unknown status" }
    public var isSuccess: Bool { category == .success }
    public var isWarning: Bool { category == .warning }
    public var isFailure: Bool { category == .failure }

    /// "0x0000 Success", "0xA700 Refused: Out of Resources (failure)".
    public var description: String {
        let hex = String(code, radix: 16, uppercase: true)
        let text = "0x" + String(repeating: "0", count: 4 - hex.count) + hex + " " + meaning
        return category == .success ? text : text + " (\(category.rawValue))"
    }

    /// Statuses a C-STORE-RSP may carry (PS3.7 9.1.1.1.9, PS3.4 B.2.3).
    public var isValidForCStore: Bool { entry?.cStore ?? false }
}
