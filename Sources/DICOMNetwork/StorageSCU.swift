#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMDIMSE
import DICOMFile
import DICOMUpperLayer
import Foundation

/// Sends files by C-STORE (the library API of `sendit send`, and of the delivery stage):
/// proposes a presentation context per SOP class and transfer syntax of the files (plus
/// Explicit and Implicit VR Little Endian for native data), reuses one association for many
/// files (a new one for each 128 contexts), streams each data set from its file when the
/// peer accepted its transfer syntax, and reports a status per file. If the peer accepts an
/// Asynchronous Operations Window, up to that many C-STOREs are outstanding at once and each
/// response is matched to its file by its Message ID Being Responded To.
public enum StorageSCU {
    public struct Destination: Sendable {
        public var host: String
        public var port: Int
        public var calledAETitle: String
        public var callingAETitle: String
        public var maximumPDULength: UInt32 = 128 * 1024
        public var connectTimeout: Double = 15
        public var dimseTimeout: Double = 60
        /// DICOM over TLS to this destination (nil: clear text).
        public var tls: TLSContextStore?
        /// C-STOREs kept outstanding on one association if the peer accepts an Asynchronous
        /// Operations Window (PS3.7 D.3.3.3) that large; 1: none proposed, one at a time.
        public var asynchronousOperationsWindow = 1
        /// A bandwidth cap shared by every association using this destination (nil: none).
        public var rateLimit: RateLimit?

        public init(host: String, port: Int, calledAETitle: String, callingAETitle: String) {
            self.host = host
            self.port = port
            self.calledAETitle = calledAETitle
            self.callingAETitle = callingAETitle
        }
    }

    public struct FileResult: Sendable {
        public let path: String
        public let sopInstanceUID: String?
        /// The status the peer answered; nil if the file was not sent.
        public let status: DIMSEStatus?
        public let errorComment: String?
        /// Why the file was not sent (unreadable, no accepted context, association failure).
        public let error: String?
        public let bytes: UInt64
        /// Why it was not sent, as a kind (for deciding whether to try again); nil if sent.
        public let notSent: NotSentReason?

        public init(path: String, sopInstanceUID: String?, status: DIMSEStatus?, errorComment: String?, error: String?,
                    bytes: UInt64, notSent: NotSentReason? = nil) {
            self.path = path
            self.sopInstanceUID = sopInstanceUID
            self.status = status
            self.errorComment = errorComment
            self.error = error
            self.bytes = bytes
            self.notSent = notSent ?? (status == nil ? .local : nil)
        }

        /// Stored: the peer answered Success or a Warning. Pending, Cancel, failures and no
        /// answer are not stored (an original is only deleted after a confirmed store).
        public var succeeded: Bool { status.map { $0.isSuccess || $0.isWarning } ?? false }
    }

    /// Why a file was not sent.
    public enum NotSentReason: Sendable, Equatable {
        /// The file cannot be read, is incomplete or has no SOP UIDs.
        case unreadable
        /// The peer accepted no presentation context for its SOP class and transfer syntax.
        case noAcceptedContext
        /// The association could not be opened, or broke (a reject, an abort, the network, a
        /// timeout); `transient` as the failure says (a permanent reject is not).
        case association(transient: Bool)
        /// The data set could not be prepared for the accepted transfer syntax.
        case local
    }

    struct Prepared {
        let path: String
        let sopClass: String
        let sopInstance: String
        let transferSyntax: TransferSyntax
        let dataSetOffset: UInt64
        let size: UInt64
        /// The reader corrected the encoding (e.g. implicit VR under an explicit transfer
        /// syntax): the stored bytes are not what the syntax says, so they are re-encoded.
        let needsReencoding: Bool
    }

    static let native = [TransferSyntax.explicitVRLittleEndian.uid.rawValue, TransferSyntax.implicitVRLittleEndian.uid.rawValue]

    /// The transfer syntaxes proposed for a file: its own first, then (if its pixel data is not
    /// encapsulated) the two uncompressed little endian ones it can be converted to.
    static func proposals(for ts: TransferSyntax) -> [String] {
        var list = [ts.uid.rawValue]
        if !ts.isEncapsulated { list += native.filter { $0 != ts.uid.rawValue } }
        return list
    }

    /// Sends `paths` to `destination`, calling `progress` after each file. `shouldContinue` is
    /// asked before each file: once it says no, the rest are not sent (nor reported).
    public static func send(paths: [String], to destination: Destination,
                            progress: (FileResult) -> Void = { _ in },
                            shouldContinue: () -> Bool = { true }) -> [FileResult] {
        send(paths: paths, to: destination, lane: nil, progress: progress, shouldContinue: shouldContinue)
    }

    /// The same, on `lane`'s association if it is still open and was negotiated for these
    /// files' SOP classes and transfer syntaxes (else on a new one), and leaves the last
    /// association open in `lane` for the next call (nil: each association is released).
    static func send(paths: [String], to destination: Destination, lane: StorageSession.Lane?,
                     progress: (FileResult) -> Void, shouldContinue: () -> Bool) -> [FileResult] {
        var results: [FileResult] = []
        var ready: [Prepared] = []
        for path in paths {
            do {
                // The whole structure is walked, keeping nothing but the UIDs: a truncated file
                // is not sent, rather than delivered cut short.
                let file = try Part10File.read(path: path, options: ReadOptions(keepingOnly: [.sopClassUID, .sopInstanceUID]))
                guard let sopClass = file.sopClassUID?.rawValue, let sopInstance = file.sopInstanceUID?.rawValue else {
                    throw DICOMReadError(path: path, offset: 0, reason: "no SOP Class or SOP Instance UID")
                }
                if let cut = file.warnings.first(where: \.isTruncation) {
                    throw DICOMReadError(path: path, offset: cut.offset, reason: "file is incomplete, not sent: \(cut.message)")
                }
                var st = stat()
                stat(path, &st)
                ready.append(Prepared(path: path, sopClass: sopClass, sopInstance: sopInstance, transferSyntax: file.transferSyntax,
                                      dataSetOffset: file.dataSetOffset, size: UInt64(st.st_size),
                                      needsReencoding: file.warnings.contains(where: \.isEncodingMismatch)))
            } catch {
                let r = FileResult(path: path, sopInstanceUID: nil, status: nil, errorComment: nil, error: "\(error)", bytes: 0,
                                   notSent: .unreadable)
                results.append(r)
                progress(r)
            }
        }
        // Associations of at most 128 presentation contexts each.
        var batch: [Prepared] = [], keys: [String] = []
        func flush() {
            guard !batch.isEmpty else { return }
            results += sendBatch(batch, keys: keys, to: destination, lane: lane, shouldContinue: shouldContinue, progress: progress)
            batch = []
            keys = []
        }
        for p in ready {
            let key = p.sopClass + "|" + p.transferSyntax.uid.rawValue
            if !keys.contains(key) {
                if keys.count == 128 { flush() }
                keys.append(key)
            }
            batch.append(p)
        }
        flush()
        return results
    }

    static func sendBatch(_ files: [Prepared], keys: [String], to d: Destination, lane: StorageSession.Lane? = nil,
                          shouldContinue: () -> Bool = { true }, progress: (FileResult) -> Void) -> [FileResult] {
        var contexts: [PresentationContextRQ] = []
        for (i, key) in keys.enumerated() {
            let parts = key.split(separator: "|").map(String.init)
            contexts.append(PresentationContextRQ(id: UInt8(2 * i + 1), abstractSyntax: parts[0],
                                                  transferSyntaxes: proposals(for: TransferSyntax.lookup(UID(parts[1])))))
        }
        var parameters = RequestorAssociation.Parameters(host: d.host, port: d.port, callingAETitle: d.callingAETitle,
                                                         calledAETitle: d.calledAETitle, presentationContexts: contexts)
        parameters.maximumPDULength = d.maximumPDULength
        parameters.connectTimeout = d.connectTimeout
        parameters.dimseTimeout = d.dimseTimeout
        parameters.tls = d.tls
        parameters.asynchronousOperationsWindow = d.asynchronousOperationsWindow
        var results: [FileResult] = []
        func report(_ r: FileResult) {
            results.append(r)
            progress(r)
        }
        func notSent(_ f: Prepared, _ why: String, _ reason: NotSentReason) {
            report(FileResult(path: f.path, sopInstanceUID: f.sopInstance, status: nil, errorComment: nil, error: why, bytes: 0,
                              notSent: reason))
        }
        // A failure that breaks the association (the peer aborts, a timeout) fails the files
        // sent and not yet answered, exactly those: the rest go on a new association. If a new
        // association cannot be opened, the rest fail with that reason. An association kept
        // open from an earlier call that breaks before its first answer (the peer closed it
        // meanwhile) fails nothing: its files go on a new association.
        var remaining = files[...]
        var retriedKept = false
        // Files sent on a kept association that broke, to go again (reported if they do not).
        var requeued = Set<String>()
        while !remaining.isEmpty {
            let association: RequestorAssociation
            var kept = false
            if let open = lane?.take(covering: keys) {
                association = open
                kept = true
            } else {
                do {
                    association = try RequestorAssociation(parameters)
                } catch {
                    let transient = error.isTransient
                    for f in remaining { notSent(f, "\(error)", .association(transient: transient)) }
                    return results
                }
            }
            var window = OperationsWindow<Prepared>(capacity: association.operationsWindow)
            var broken = false
            var stopped = false
            var answered = 0
            // A kept association that broke before its first answer here: the peer closed it
            // meanwhile, and what it was given goes again on a new one (once).
            func goesAgain(_ failure: RequestorAssociation.Failure) -> Bool {
                kept && answered == 0 && !retriedKept && failure.isTransient && !stopped
            }
            func fail(_ failure: RequestorAssociation.Failure) {
                let abandoned = window.abandon()
                if goesAgain(failure) {
                    retriedKept = true
                    requeued.formUnion(abandoned.map(\.path))
                    remaining = abandoned[...] + remaining
                } else {
                    for f in abandoned {
                        notSent(f, "no response before the association ended: \(failure)", .association(transient: failure.isTransient))
                    }
                }
                broken = true
            }
            func answer(_ rsp: CStoreRSP) {
                guard let f = window.answered(rsp.messageIDBeingRespondedTo) else {
                    fail(association.abort(because: "a C-STORE response to message \(rsp.messageIDBeingRespondedTo), which is not outstanding"))
                    return
                }
                if rsp.affectedSOPInstanceUID != f.sopInstance && !rsp.affectedSOPInstanceUID.isEmpty {
                    // The response names another instance than the request it answers: the
                    // peer confused them; nothing it says on this association can be trusted.
                    let failure = association.abort(because: "the response to message \(rsp.messageIDBeingRespondedTo) names instance \(rsp.affectedSOPInstanceUID), not \(f.sopInstance)")
                    notSent(f, "\(failure)", .association(transient: failure.isTransient))
                    fail(failure)
                    return
                }
                answered += 1
                report(FileResult(path: f.path, sopInstanceUID: f.sopInstance, status: rsp.status, errorComment: rsp.errorComment,
                                  error: nil, bytes: f.size))
            }
            while !broken {
                // Responses that have arrived are taken first; a full window waits for one.
                do throws(RequestorAssociation.Failure) {
                    let mustWait = window.isFull || ((remaining.isEmpty || stopped) && !window.isEmpty)
                    if !window.isEmpty, let rsp = try association.storeResponse(waiting: mustWait) {
                        answer(rsp)
                        continue
                    }
                } catch {
                    fail(error)
                    break
                }
                guard !stopped, let f = remaining.first else { break }
                guard shouldContinue() else {
                    stopped = true
                    // What was sent once and not answered is reported; the rest is not sent.
                    for f in remaining where requeued.contains(f.path) {
                        notSent(f, "sent on an association that broke, not sent again: sending stopped", .association(transient: true))
                    }
                    remaining = []
                    continue
                }
                remaining = remaining.dropFirst()
                guard let ctx = association.context(for: f.sopClass, transferSyntaxes: proposals(for: f.transferSyntax)) else {
                    notSent(f, "no presentation context accepted for \(f.sopClass) in \(f.transferSyntax.name)", .noAcceptedContext)
                    continue
                }
                do {
                    let writer = try dataSetWriter(for: f, in: TransferSyntax.lookup(UID(ctx.transferSyntax)), rateLimit: d.rateLimit)
                    let id = try association.startStore(sopClassUID: f.sopClass, sopInstanceUID: f.sopInstance, contextID: ctx.id,
                                                        dataSet: writer)
                    if !window.sent(id, f) {   // cannot happen: IDs repeat only after 65535 requests
                        let failure = association.abort(because: "message ID \(id) is already outstanding")
                        notSent(f, "\(failure)", .local)
                        fail(failure)
                    }
                } catch let failure as RequestorAssociation.Failure {
                    if goesAgain(failure) {   // (a local failure is not transient)
                        requeued.insert(f.path)
                        remaining = [f] + remaining   // fail (below) puts it and the outstanding ones on a new association
                    } else {
                        notSent(f, "\(failure)", failure.isLocal ? .local : .association(transient: failure.isTransient))
                    }
                    fail(failure)
                } catch {
                    notSent(f, "\(error)", .local)
                }
            }
            if broken {
                association.abort()
            } else if let lane, !stopped, remaining.isEmpty {
                lane.keep(association, keys: kept ? nil : keys)
            } else {
                try? association.release()
            }
        }
        return results
    }

    /// The data set in the context's transfer syntax: the file's bytes as they are if it is the
    /// file's own syntax, otherwise re-encoded (in memory) as Explicit or Implicit VR LE.
    static func dataSetWriter(for f: Prepared, in ts: TransferSyntax, rateLimit: RateLimit? = nil) throws
        -> (_ send: (UnsafeRawBufferPointer, Bool) throws -> Void) throws -> Void {
        guard let rateLimit else { return try dataSetWriter(for: f, in: ts) }
        let write = try dataSetWriter(for: f, in: ts)
        return { send in
            try write { chunk, isLast in
                rateLimit.take(chunk.count)
                try send(chunk, isLast)
            }
        }
    }

    static func dataSetWriter(for f: Prepared, in ts: TransferSyntax) throws
        -> (_ send: (UnsafeRawBufferPointer, Bool) throws -> Void) throws -> Void {
        // A data set must have even length (PS3.5 7.1, A.5). An odd deflated stream gets its NUL
        // pad; any other odd data set is malformed as stored, and is re-encoded (values padded).
        let oddLength = (f.size - f.dataSetOffset) % 2 == 1
        if ts == f.transferSyntax && ts.isLittleEndian == f.transferSyntax.isLittleEndian && (!oddLength || ts.isDeflated)
            && !f.needsReencoding {
            return { send in
                let fd = open(f.path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw DICOMReadError(path: f.path, offset: 0, reason: "cannot open") }
                defer { close(fd) }
                var offset = off_t(f.dataSetOffset)
                let end = off_t(f.size)
                if offset >= end {   // an empty data set
                    try [UInt8]().withUnsafeBytes { try send($0, true) }
                    return
                }
                // Chunks of 1 MiB (even); the last one gets the pad byte in place, so every
                // fragment stays even.
                // The buffer is not cleared first: only what pread filled is sent, and clearing
                // 1 MiB per file was a tenth of the sender's time.
                let chunk = min(1 << 20, Int(end - offset))
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk + 1, alignment: 16)
                defer { buffer.deallocate() }
                repeat {
                    var n = pread(fd, buffer.baseAddress!, min(chunk, Int(end - offset)), offset)
                    guard n > 0 else { throw DICOMReadError(path: f.path, offset: UInt64(offset), reason: "read failed") }
                    offset += off_t(n)
                    if offset == end && oddLength {
                        buffer[n] = 0
                        n += 1
                    }
                    try send(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), offset == end)
                } while offset < end
            }
        }
        let file = try Part10File.read(path: f.path)
        let bytes = try DataSetEncoder(explicitVR: ts.isExplicitVR).encode(file.dataSet)
        return { send in try bytes.withUnsafeBytes { try send($0, true) } }
    }
}
