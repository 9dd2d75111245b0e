#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMDIMSE
import DICOMFile

/// Receives one C-STORE data set: writes the File Meta Information, then each data set fragment
/// as it arrives, to a .part file; when the last fragment is in, checks the data set, fsyncs
/// and has the staging (`InstanceStaging`) place the file. Only then is the status Success.
/// The instance is never held in memory.
final class InstanceReceiver {
    let staging: any InstanceStaging
    let request: CStoreRQ
    let transferSyntax: TransferSyntax
    let partPath: String
    private var sink: FileSink?
    private var failure: (DIMSEStatus, String)?
    private(set) var dataSetBytes: Int = 0
    /// Why nothing can be stored now (the disk is low; `DICOMServer.storageRefusal`).
    let refusal: @Sendable () -> String?
    /// Where the instance goes (nil: the node has no routing policy), and who sent it.
    let routing: (any InstanceRouting)?
    let peer: AssociationPeer
    /// A C-STORE sub-operation of a C-GET this node sent (`InstanceArrival.onOwnGet`).
    let onOwnGet: Bool
    /// Data set bytes after which the refusal is asked again (a long instance on a filling disk).
    static let refusalRecheckBytes = 16 << 20
    private var checkedAt = 0

    init(staging: any InstanceStaging, request: CStoreRQ, transferSyntax: UID, peer: AssociationPeer,
         routing: (any InstanceRouting)? = nil, onOwnGet: Bool = false, refusal: @escaping @Sendable () -> String? = { nil }) {
        self.staging = staging
        self.peer = peer
        self.onOwnGet = onOwnGet
        self.routing = routing
        self.request = request
        self.transferSyntax = TransferSyntax.lookup(transferSyntax)
        self.refusal = refusal
        partPath = staging.newPartPath()
        // The disk is low: nothing is written; the data set is read and dropped, then A700.
        if let reason = refusal() {
            failure = (.refusedOutOfResources, reason)
            return
        }
        do {
            // Fragments of 64 KiB or more go straight to write(2); smaller ones are gathered.
            // Mode 0600 until the instance is complete and checked: recovery after a crash
            // takes only files marked complete (InstanceStaging.completeMode).
            let sink = try FileSink(path: partPath, capacity: 64 * 1024, mode: type(of: staging).incompleteMode)
            sink.startsWriteback = staging.sync
            var meta = DataSet()
            meta.set(DataElement(tag: .mediaStorageSOPClassUID, vr: .UI, string: request.affectedSOPClassUID))
            meta.set(DataElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, string: request.affectedSOPInstanceUID))
            meta.set(DataElement(tag: .sourceApplicationEntityTitle, vr: .AE, string: peer.callingAETitle))
            // Who sent it and to which AE title: routing decides from these again when a crash
            // left the instance in .incoming (StagingArea's recovery).
            if routing != nil {
                meta.set(DataElement(tag: .receivingApplicationEntityTitle, vr: .AE, string: peer.calledAETitle))
                if !peer.address.isEmpty {
                    meta.set(DataElement(tag: .sourcePresentationAddress, vr: .UR, string: "dicom://" + peer.address))
                }
            }
            let file = Part10File(fileMetaInformation: meta, dataSet: DataSet(), transferSyntax: self.transferSyntax)
            try sink.write([UInt8](repeating: 0, count: 128) + Array("DICM".utf8))
            try DataSetEncoder(explicitVR: true).encode(Part10Writer.fileMeta(for: file, transferSyntax: self.transferSyntax), into: sink)
            self.sink = sink
        } catch {
            fail(error)
        }
    }

    /// Appends a fragment. After a failure, fragments are read and dropped so the association
    /// stays in step, and the failure is reported when the data set ends.
    func append(_ fragment: ArraySlice<UInt8>) {
        dataSetBytes += fragment.count
        guard failure == nil, let sink else { return }
        if dataSetBytes - checkedAt >= Self.refusalRecheckBytes {
            checkedAt = dataSetBytes
            if let reason = refusal() { return fail(reason) }
        }
        do {
            try fragment.withUnsafeBytes { try sink.write($0) }
        } catch {
            fail(error)
        }
    }

    /// Finishes the instance and returns the C-STORE status, with an error comment for failures.
    func finish() -> (DIMSEStatus, String?, String?) {
        defer { if failure != nil { unlink(partPath) } }
        guard failure == nil, let sink else { return (failure!.0, failure!.1, nil) }
        do {
            try sink.flush()
        } catch {
            fail(error)
            return (failure!.0, failure!.1, nil)
        }
        // The data set must be DICOM and complete (its whole structure is walked; large values
        // stay on disk), and be the instance the command announced.
        let file: Part10File
        do {
            var options = type(of: staging).checkOptions
            if let routing { options.keepOnly?.formUnion(routing.attributes) }
            file = try Part10File.read(path: partPath, options: options)
        } catch {
            failure = (.cannotUnderstand, "data set cannot be parsed: \(error)")
            return (failure!.0, failure!.1, nil)
        }
        if let cut = file.warnings.first(where: \.isTruncation) {
            failure = (.cannotUnderstand, "data set is incomplete: \(cut.message)")
            return (failure!.0, failure!.1, nil)
        }
        let sopClass = file.dataSet.string(.sopClassUID), sopInstance = file.dataSet.string(.sopInstanceUID)
        guard sopClass == request.affectedSOPClassUID, sopInstance == request.affectedSOPInstanceUID else {
            failure = (.dataSetDoesNotMatchSOPClass,
                       "data set has SOP class \(sopClass ?? "none") instance \(sopInstance ?? "none"), the command \(request.affectedSOPClassUID) \(request.affectedSOPInstanceUID)")
            return (failure!.0, failure!.1, nil)
        }
        // Routed before it is kept: a refused instance is never placed.
        var project: String?
        if let routing {
            switch routing.route(file.dataSet, from: peer) {
            case .project(let p): project = p
            case .refuse(let why):
                failure = (.refusedNotAuthorized, why)
                return (failure!.0, failure!.1, nil)
            }
        }
        // Durable before Success: marked complete (mode 0640) and fsynced, with its entry in
        // .incoming; then placed (SenditIntake's StagingArea.place renames it into its study's
        // staging folder, and says when that folder is synced too). If power fails before the
        // rename reaches the disk, the complete .part is still in .incoming and StagingArea moves
        // it into place at the next start. Except an instance of this node's own retrieval of a
        // study (the staging decides): left unmarked and unsynced, it is synced with its study.
        let study = file.dataSet.string(.studyInstanceUID)
        let durability = staging.sync
            ? staging.durability(of: InstanceArrival(studyInstanceUID: study, peer: peer, moveOriginatorAETitle: request.moveOriginatorAETitle,
                                                     moveOriginatorMessageID: request.moveOriginatorMessageID, onOwnGet: onOwnGet))
            : .beforeSuccess
        do {
            let now = durability == .beforeSuccess
            try sink.close(sync: staging.sync && now, mode: now ? type(of: staging).completeMode : nil)
            self.sink = nil
            let final = try staging.place(partPath, studyInstanceUID: study, sopInstanceUID: request.affectedSOPInstanceUID,
                                          project: project, durability: durability)
            return (.success, nil, final)
        } catch {
            fail(error)
            return (failure!.0, failure!.1, nil)
        }
    }

    /// Drops the instance (association aborted before its last fragment).
    func discard() {
        if let sink { try? sink.close(sync: false) }
        sink = nil
        unlink(partPath)
    }

    /// Out of disk space (ENOSPC, or below DISK_MIN_FREE), or any I/O error: A700 Refused: Out
    /// of Resources. The part file is removed when the data set ends (`finish`) or is dropped.
    private func fail(_ error: Error) { fail("\(error)") }

    private func fail(_ reason: String) {
        guard failure == nil else { return }
        failure = (.refusedOutOfResources, reason)
        if let sink { try? sink.close(sync: false) }
        sink = nil
    }
}
