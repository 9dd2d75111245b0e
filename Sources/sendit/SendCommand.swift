import ArgumentParser
import DICOMNetwork
import Foundation
import Pipeline
import Synchronization

struct SendCommand: ParsableCommand, ManyPathsCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send DICOM files to a peer by C-STORE, like storescu.",
        discussion: """
            PATHs are files or folders (searched recursively; files that are not DICOM are
            reported and skipped). One association carries many files; presentation contexts are
            proposed from the files' SOP classes and transfer syntaxes, with Explicit and Implicit
            VR Little Endian offered for uncompressed data. Data sets are sent as they are in the
            file when the peer accepts their transfer syntax. With --associations N the files are
            split among N associations at once; each proposes an Asynchronous Operations Window
            of --window C-STOREs (kept outstanding if the peer accepts it). Prints one line per
            file and a summary; exit status 1 if any file was not stored.
            """)

    static let optionsTakingValues = Set(["--aet", "--aec", "--timeout", "--max-pdu", "--associations", "--window", "--max-rate"])
        .union(TLSOptions.optionsTakingValues)

    @Option(name: .long, help: "Calling AE title (this side).") var aet = "SENDIT"
    @Option(name: .long, help: "Called AE title (the peer).") var aec = "ANY-SCP"
    @Option(name: .long, help: "Seconds to wait for the connection and for each response.") var timeout: Double = 60
    @Option(name: .customLong("max-pdu"), help: "Maximum PDU length received.") var maxPDU: UInt32 = 128 * 1024
    @Option(name: .long, help: "Associations at once (the files are split among them).") var associations = 1
    @Option(name: .long, help: "C-STOREs outstanding per association if the peer accepts that window (1: one at a time).")
    var window = 8
    @Option(name: .customLong("max-rate"), help: "Bandwidth cap over all associations, e.g. 10MB (bytes a second).")
    var maxRate: String?
    @Flag(name: .shortAndLong, help: "Print only failures and the summary.") var quiet = false
    @OptionGroup var tls: TLSOptions
    @Argument(help: "Peer host, peer port, then files or folders. A path starting with '-' goes after '--'.")
    var paths: [String] = []

    func run() throws {
        guard paths.count >= 3, let port = Int(paths[1]) else {
            throw ValidationError("usage: sendit send [--aet AET] [--aec AEC] HOST PORT PATH...")
        }
        let host = paths[0]
        var files: [String] = []
        for path in paths.dropFirst(2) { files += SendCommand.expand(path) }
        var destination = StorageSCU.Destination(host: host, port: port, calledAETitle: aec, callingAETitle: aet)
        destination.connectTimeout = timeout
        destination.dimseTimeout = timeout
        destination.maximumPDULength = maxPDU
        destination.tls = try tls.store()
        guard (1...16).contains(associations) else { throw ValidationError("--associations must be 1 to 16") }
        guard (1...64).contains(window) else { throw ValidationError("--window must be 1 to 64") }
        destination.asynchronousOperationsWindow = window
        if let maxRate {
            guard case .bytes(let n)? = DiskWatermark(setting: maxRate) else {
                throw ValidationError("--max-rate must be a size such as 10MB, not \(maxRate)")
            }
            destination.rateLimit = RateLimit(bytesPerSecond: Double(n))
        }
        let start = Date()
        struct Tally { var sent = 0, warnings = 0, failed = 0, bytes: UInt64 = 0 }
        let tally = Mutex(Tally())
        let quiet = quiet
        let report: @Sendable (StorageSCU.FileResult) -> Void = { r in
            tally.withLock { t in
                t.bytes += r.bytes
                if let status = r.status, r.succeeded {
                    t.sent += 1
                    if status.isWarning { t.warnings += 1 }
                    if !quiet || status.isWarning { StandardOutput.write("\(r.path): \(status)\n") }
                } else {
                    t.failed += 1
                    let why = r.status.map { "\($0)" + (r.errorComment.map { " (\($0))" } ?? "") } ?? r.error ?? "not sent"
                    StandardOutput.error("\(r.path): FAILED: \(why)\n")   // flushes stdout first: lines stay whole and in order
                }
            }
        }
        // Contiguous slices, one per association (as the send stage splits a series).
        let parts = max(1, min(associations, files.count))
        let chunk = (files.count + parts - 1) / parts
        let slices = (0..<parts).map { part in Array(files[min(files.count, part * chunk)..<min(files.count, (part + 1) * chunk)]) }
        StorageSCU.send(slices: slices, to: destination, progress: report)
        let (sent, warnings, failed, bytes) = tally.withLock { ($0.sent, $0.warnings, $0.failed, $0.bytes) }
        let seconds = max(Date().timeIntervalSince(start), 0.001)
        StandardOutput.write(String(format: "sent %d of %d files (%d with warnings, %d failed) in %.2f s, %.1f MB/s, %.0f files/s\n",
                                    sent, files.count, warnings, failed, seconds, Double(bytes) / seconds / 1e6, Double(sent) / seconds))
        StandardOutput.flush()
        if failed > 0 || files.isEmpty { throw ExitCode(1) }
    }

    /// A file, or every regular file under a folder (sorted, hidden files skipped).
    static func expand(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
        var out: [String] = []
        while let name = walker.nextObject() as? String {
            let full = (path as NSString).appendingPathComponent(name)
            if (name as NSString).lastPathComponent.hasPrefix(".") {
                if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory { walker.skipDescendants() }
                continue
            }
            if (walker.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { out.append(full) }
        }
        return out.sorted()
    }
}
