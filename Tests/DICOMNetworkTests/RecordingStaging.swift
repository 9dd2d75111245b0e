#if canImport(Glibc)
import Glibc
#endif
import DICOMFile
import DICOMNetwork
import Foundation

/// A test double of where the receiver puts instances (the real one, SenditIntake's
/// `StagingArea`, is tested with this receiver in SenditIntakeTests): part files in
/// `<data>/.incoming`, each placed instance renamed to `<data>/placed/<n>.dcm`, and every
/// placement recorded with the mode its file had when it was handed over.
final class RecordingStaging: InstanceStaging, @unchecked Sendable {
    struct Placement: Equatable {
        let studyInstanceUID: String?
        let sopInstanceUID: String
        let path: String
        let mode: mode_t
        var durability: InstanceDurability = .beforeSuccess
    }

    static let incompleteMode: mode_t = 0o600
    static let completeMode: mode_t = 0o640
    static let checkOptions = ReadOptions(keepingOnly: [.sopClassUID, .sopInstanceUID, .studyInstanceUID])

    let sync: Bool
    let incomingFolder: String
    let placedFolder: String
    private let lock = NSLock()
    private var recorded: [Placement] = []
    private var asked: [InstanceArrival] = []
    /// What `durability(of:)` answers.
    var durabilityAnswer: InstanceDurability = .beforeSuccess

    init(dataFolder: String, sync: Bool = true) throws {
        self.sync = sync
        incomingFolder = dataFolder + "/.incoming"
        placedFolder = dataFolder + "/placed"
        for folder in [incomingFolder, placedFolder] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    var placements: [Placement] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    /// The arrivals the receiver asked `durability(of:)` about.
    var arrivals: [InstanceArrival] { lock.withLock { asked } }

    func durability(of arrival: InstanceArrival) -> InstanceDurability {
        lock.withLock {
            asked.append(arrival)
            return durabilityAnswer
        }
    }

    func newPartPath() -> String {
        incomingFolder + "/" + UUID().uuidString + ".part"
    }

    func place(_ partPath: String, studyInstanceUID: String?, sopInstanceUID: String, project: String?,
               durability: InstanceDurability) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        var st = stat()
        guard stat(partPath, &st) == 0 else { throw CocoaError(.fileNoSuchFile) }
        let final = placedFolder + "/\(recorded.count + 1).dcm"
        guard rename(partPath, final) == 0 else { throw CocoaError(.fileWriteUnknown) }
        recorded.append(Placement(studyInstanceUID: studyInstanceUID, sopInstanceUID: sopInstanceUID, path: final,
                                  mode: st.st_mode & 0o777, durability: durability))
        return final
    }
}
