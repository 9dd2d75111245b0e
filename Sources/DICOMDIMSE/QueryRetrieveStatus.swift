/// The three DIMSE-C services of Query/Retrieve (PS3.4 Annex C).
public enum QueryRetrieveService: String, Sendable, CaseIterable {
    case find = "C-FIND", move = "C-MOVE", get = "C-GET"
}

/// What a status code means in a C-FIND, C-MOVE or C-GET response: the service-specific codes of
/// PS3.4 C.4 first (generated from spec/dicom/dimse-qr-status.tsv; Pending FF00/FF01, A801 Move
/// Destination unknown, B000 Sub-operations complete with failures, Cxxx Unable to process…),
/// then the general codes of PS3.7 Annex C. The same code can mean different things in different
/// services (B000 is a storage coercion in a C-STORE-RSP, failed sub-operations in a C-MOVE-RSP).
public enum QueryRetrieveStatus {
    static func entry(_ status: DIMSEStatus, _ service: QueryRetrieveService)
        -> (service: QueryRetrieveService, min: UInt16, max: UInt16, category: DIMSEStatus.Category, meaning: String)? {
        table.first { $0.service == service && $0.min <= status.code && status.code <= $0.max }
    }

    public static func category(_ status: DIMSEStatus, in service: QueryRetrieveService) -> DIMSEStatus.Category {
        entry(status, service)?.category ?? status.category
    }

    public static func meaning(_ status: DIMSEStatus, in service: QueryRetrieveService) -> String {
        if let e = entry(status, service) { return e.meaning }
        switch status.code {
        case 0x0000: return "Success"
        case 0xFE00: return "Cancel"
        default: return status.entry.map { $0.meaning } ?? "unknown status"
        }
    }

    /// "0xA801 Move destination unknown (failure)", "0x0000 Success".
    public static func describe(_ status: DIMSEStatus, in service: QueryRetrieveService) -> String {
        let hex = String(status.code, radix: 16, uppercase: true)
        let text = "0x" + String(repeating: "0", count: 4 - hex.count) + hex + " " + meaning(status, in: service)
        let c = category(status, in: service)
        return c == .success ? text : text + " (\(c.rawValue))"
    }
}
