import DICOMCore
import DICOMFile
import DICOMNetwork
import Foundation
import Logging
@testable import SenditIntake
import SenditIndex
import SenditIndexTestSupport

/// A scratch folder with a real SQLite index, a quarantine, a data folder and an importer into
/// them, and a way to write small DICOM instances with chosen UIDs (the intake's and the
/// pipeline's tests share it).
public final class IntakeFixture {
    public let root: String
    public let data: String
    public let database: IndexDatabase
    public let quarantine: Quarantine
    public var importer: FolderImporter
    public let queue: JobQueue

    public init(policy: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 10, maximumDelay: 60, lease: 30),
         firstStage: String = "process") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-intake-\(UUID().uuidString)").path
        data = root + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        database = try IndexDatabase(path: root + "/sendit.db")
        quarantine = try Quarantine(folder: root + "/var/quarantine")
        importer = FolderImporter(database: database, quarantine: quarantine, firstStage: firstStage, maxAttempts: policy.maxAttempts)
        importer.settle = 0
        queue = JobQueue(database: database, policy: policy,
                         workingStatuses: ["process": .processing, "identify": .processing, "deidentify": .processing])
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    public static let silent = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Writes an instance into `folder` (made if needed) and returns its path.
    @discardableResult
    public func instance(in folder: String, name: String? = nil, study: String? = "1.2.3", series: String? = "1.2.3.1",
                  sop: String?, pixels: [UInt8] = Array(repeating: 7, count: 64), extra: [DataElement] = []) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var ds = DataSet()
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue))
        if let sop { ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: sop)) }
        if let study { ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: study)) }
        if let series { ds.set(DataElement(tag: .seriesInstanceUID, vr: .UI, string: series)) }
        ds.set(DataElement(tag: .modality, vr: .CS, string: "CT"))
        ds.set(DataElement(tag: .patientName, vr: .PN, string: "Simpson^Marge"))
        // 16-bit samples, all bits stored: the PHI gate checks the value's length against these.
        let rows = 4, columns = pixels.count / 8
        for (tag, value) in [(Tag.samplesPerPixel, 1), (.rows, rows), (.columns, columns), (.bitsAllocated, 16), (.bitsStored, 16),
                             (.highBit, 15), (.pixelRepresentation, 0)] {
            ds.set(DataElement(tag: tag, vr: .US, bytes: [UInt8(value & 0xFF), UInt8(value >> 8)]))
        }
        ds.set(DataElement(tag: .photometricInterpretation, vr: .CS, string: "MONOCHROME2"))
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: pixels))
        for e in extra { ds.set(e) }
        let path = folder + "/" + (name ?? "\(sop ?? "nosop").dcm")
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian), to: path)
        return path
    }

    /// By SOPInstanceUID.
    public func images() throws -> [ImageRecord] { try database.images(seriesId: nil) }

    /// By row id.
    public func jobs() throws -> [JobRecord] { try database.jobs(seriesId: nil) }

    /// What the index holds besides images and jobs.
    public var contents: IndexContents { database.contents }

    /// The images in `status`.
    public func images(_ status: ImageStatus) throws -> [ImageRecord] { try images().filter { $0.status == status } }

    /// A DICOM listener on a free port of 127.0.0.1 placing into a staging area of the data
    /// folder, started as `sendit serve` starts it: the port, then the data folder's lock and
    /// recovery, then accepting.
    public func receiver() throws -> (staging: StagingArea, server: DICOMServer) {
        var c = ServerConfiguration()
        c.port = 0
        c.bindAddress = "127.0.0.1"
        c.dataFolder = data
        c.shutdownGrace = 1
        let staging = try StagingArea(dataFolder: c.dataFolder, sync: c.sync)
        let server = DICOMServer(configuration: c, staging: staging, logger: IntakeFixture.silent)
        try server.openPort()
        try staging.lockAndRecover()
        server.startAccepting()
        return (staging, server)
    }

    public func statuses() throws -> [String: ImageStatus] {
        Dictionary(uniqueKeysWithValues: try images().map { ($0.sopInstanceUID, $0.status) })
    }
}
