#if canImport(Glibc)
import Glibc
#endif
import DICOMFile
import DICOMNetwork

/// A plain folder that a C-GET's instances are received into (`sendit get --out`): each one
/// arrives as a part file in `<folder>/.incoming`, is checked by the receiver as the listener's
/// instances are, synced, then renamed to `<folder>/<SOPInstanceUID>.dcm` (an earlier copy of
/// the same instance is replaced). No study folders and no stable age: the folder is the
/// operator's, not the node's data folder.
public final class RetrieveFolder: InstanceStaging {
    public let folder: String
    public let sync = true
    let incoming: String

    public static let incompleteMode: mode_t = StagingArea.incompleteMode
    public static let completeMode: mode_t = StagingArea.completeMode
    public static let checkOptions = StagingArea.checkOptions

    /// Makes the folder and its `.incoming` if needed.
    public init(_ folder: String) throws {
        self.folder = folder
        incoming = folder + "/.incoming"
        for path in [folder, incoming] where mkdir(path, 0o750) != 0 && errno != EEXIST {
            throw FileStoreError(code: errno, what: "cannot create \(path)")
        }
    }

    public func newPartPath() -> String {
        incoming + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".part"
    }

    /// Always durable before Success (`durability(of:)` is the protocol's: nothing deferred).
    public func place(_ partPath: String, studyInstanceUID: String?, sopInstanceUID: String, project: String?,
                      durability: InstanceDurability) throws -> String {
        // The name comes from the peer: a UID is digits and dots, nothing that leaves the folder.
        guard !sopInstanceUID.isEmpty, sopInstanceUID.count <= 64, sopInstanceUID.allSatisfy({ $0 == "." || $0.isASCII && $0.isNumber }) else {
            throw FileStoreError(code: EINVAL, what: "SOP Instance UID \(sopInstanceUID.prefix(64)) is not a UID")
        }
        let final = folder + "/" + sopInstanceUID + ".dcm"
        guard rename(partPath, final) == 0 else { throw FileStoreError(code: errno, what: "cannot move \(partPath) to \(final)") }
        try StagingArea.syncDirectory(folder)
        return final
    }
}
