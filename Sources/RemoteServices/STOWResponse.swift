import Foundation

/// What a STOW-RS response body (the Store Instances Response Module, PS3.18 §10.5.3, as DICOM
/// JSON, PS3.18 Annex F) says instance by instance: the SOP Instance UIDs in the Referenced SOP
/// Sequence (0008,1199), each with its Warning Reason (0008,1196) if any, and those in the Failed
/// SOP Sequence (0008,1198), each with its Failure Reason (0008,1197) if any. Only UIDs and the
/// two reason codes are read: nothing else of a body ever reaches a record or a log, so a server
/// that echoes values (or anything else) cannot put text into sendit's records.
public struct STOWResponse: Sendable, Equatable {
    /// SOP Instance UID → Warning Reason (nil: none given).
    public var referenced: [String: UInt16?] = [:]
    /// SOP Instance UID → Failure Reason (nil: none given).
    public var failed: [String: UInt16?] = [:]

    public init(referenced: [String: UInt16?] = [:], failed: [String: UInt16?] = [:]) {
        self.referenced = referenced
        self.failed = failed
    }

    static let referencedSOPSequence = "00081199"
    static let failedSOPSequence = "00081198"
    static let referencedSOPInstanceUID = "00081155"
    static let warningReason = "00081196"
    static let failureReason = "00081197"
    /// A body larger than this is not parsed (a response lists at most a batch's instances).
    public static let largestParsed = 4 * 1024 * 1024

    /// The response in `body`, or nil if it is not a DICOM JSON data set (empty, XML, HTML, too
    /// large, malformed). A top-level array of one data set is taken too (some servers answer so).
    public static func parse(_ body: Data) -> STOWResponse? {
        guard !body.isEmpty, body.count <= largestParsed,
              let json = try? JSONSerialization.jsonObject(with: body) else { return nil }
        let dataSet: [String: Any]
        if let object = json as? [String: Any] {
            dataSet = object
        } else if let list = json as? [Any], list.count == 1, let object = list[0] as? [String: Any] {
            dataSet = object
        } else {
            return nil
        }
        var response = STOWResponse()
        for (uid, reason) in items(dataSet[referencedSOPSequence], reason: warningReason) {
            response.referenced[uid] = .some(reason)
        }
        for (uid, reason) in items(dataSet[failedSOPSequence], reason: failureReason) {
            response.failed[uid] = .some(reason)
        }
        return response
    }

    /// The (SOP Instance UID, reason) of each item of a sequence attribute; items without a
    /// well-formed UID are left out.
    static func items(_ attribute: Any?, reason key: String) -> [(String, UInt16?)] {
        guard let attribute = attribute as? [String: Any], let items = attribute["Value"] as? [Any] else { return [] }
        return items.compactMap { item -> (String, UInt16?)? in
            guard let item = item as? [String: Any], let uid = firstValue(item[referencedSOPInstanceUID]) as? String,
                  isUID(uid) else { return nil }
            var reason: UInt16? = nil
            if let number = firstValue(item[key]) as? NSNumber, let code = UInt16(exactly: number.doubleValue) {
                reason = code
            }
            return (uid, reason)
        }
    }

    static func firstValue(_ attribute: Any?) -> Any? {
        guard let attribute = attribute as? [String: Any], let values = attribute["Value"] as? [Any] else { return nil }
        return values.first
    }

    /// A UID as PS3.5 §9.1 allows: 1 to 64 digits and dots.
    public static func isUID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
