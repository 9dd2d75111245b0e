import DICOMCore
import DICOMDIMSE
import DICOMFile
import DICOMUpperLayer
import Foundation
import Synchronization

/// Query/Retrieve as an SCU (PS3.4 Annex C): C-FIND, C-MOVE and C-GET on an association of
/// their own, Study Root or Patient Root. Each call opens the association, sends one request
/// with its Identifier (encoded in the accepted transfer syntax), follows the responses with
/// `QueryRetrieveOperation` (Pending until the final one; a response breaking the exchange
/// aborts the association), and releases. A C-GET's C-STORE sub-operations come back on the
/// same association (this side takes the SCP role of the Storage SOP classes by Role Selection)
/// and are received by the listener's own path (`InstanceReceiver`: streamed to a part file,
/// checked, placed by an `InstanceStaging`). A `Cancel` asks the peer to stop (C-CANCEL-RQ).
public enum QueryRetrieveSCU {
    public enum InformationModel: String, Sendable, CaseIterable {
        case studyRoot = "STUDY", patientRoot = "PATIENT"

        public func sopClassUID(_ service: QueryRetrieveService) -> String {
            switch (self, service) {
            case (.studyRoot, .find): return UID.studyRootQueryRetrieveInformationModelFind.rawValue
            case (.studyRoot, .move): return UID.studyRootQueryRetrieveInformationModelMove.rawValue
            case (.studyRoot, .get): return UID.studyRootQueryRetrieveInformationModelGet.rawValue
            case (.patientRoot, .find): return UID.patientRootQueryRetrieveInformationModelFind.rawValue
            case (.patientRoot, .move): return UID.patientRootQueryRetrieveInformationModelMove.rawValue
            case (.patientRoot, .get): return UID.patientRootQueryRetrieveInformationModelGet.rawValue
            }
        }
    }

    /// Asked from another thread to stop an operation: a C-CANCEL-RQ is sent at the next wait.
    public final class Cancel: Sendable {
        private let requested = Mutex(false)
        public init() {}
        public func request() { requested.withLock { $0 = true } }
        public var isRequested: Bool { requested.withLock { $0 } }
    }

    /// How an operation ended: the final status (with its meaning in this service), the last
    /// sub-operation counts, the number of matches or Pending responses, and what was wrong
    /// with the responses without breaking the exchange.
    public struct Outcome: Sendable {
        public let service: QueryRetrieveService
        public let status: DIMSEStatus
        public let counts: SubOperationCounts
        public let pendingResponses: Int
        public let anomalies: [String]
        public let errorComment: String?
        public let cancelled: Bool

        public var category: DIMSEStatus.Category { QueryRetrieveStatus.category(status, in: service) }
        public var statusDescription: String { QueryRetrieveStatus.describe(status, in: service) }
        public var succeeded: Bool { category == .success }
    }

    public static let syntaxes = [TransferSyntax.explicitVRLittleEndian.uid.rawValue, TransferSyntax.implicitVRLittleEndian.uid.rawValue]

    /// C-FIND: each match's identifier to `onMatch`, as it arrives.
    public static func find(_ identifier: DataSet, model: InformationModel = .studyRoot, peer: RequestorAssociation.Parameters,
                            cancel: Cancel? = nil, onMatch: (DataSet) -> Void) throws -> Outcome {
        try run(.find, identifier, model: model, peer: peer, cancel: cancel, storage: [], staging: nil,
                make: { .cFindRQ(CFindRQ(messageID: $0, affectedSOPClassUID: model.sopClassUID(.find))) },
                onMatch: onMatch, onProgress: { _ in }, onInstance: { _, _ in })
    }

    /// C-MOVE to the AE title `destination` (the peer must know it); the counts to `onProgress`
    /// at each Pending response.
    public static func move(_ identifier: DataSet, to destination: String, model: InformationModel = .studyRoot,
                            peer: RequestorAssociation.Parameters, cancel: Cancel? = nil,
                            onProgress: (SubOperationCounts) -> Void) throws -> Outcome {
        try run(.move, identifier, model: model, peer: peer, cancel: cancel, storage: [], staging: nil,
                make: { .cMoveRQ(CMoveRQ(messageID: $0, affectedSOPClassUID: model.sopClassUID(.move), moveDestination: destination)) },
                onMatch: { _ in }, onProgress: onProgress, onInstance: { _, _ in })
    }

    /// C-GET: the instances come back as C-STORE sub-operations of the Storage SOP classes
    /// `storageClasses` (at most 127; proposed with Explicit and Implicit VR Little Endian) and
    /// are placed by `staging`. Each one's status and path (nil unless stored) to `onInstance`.
    public static func get(_ identifier: DataSet, model: InformationModel = .studyRoot, peer: RequestorAssociation.Parameters,
                           into staging: any InstanceStaging, routing: (any InstanceRouting)? = nil,
                           storageClasses: [String] = defaultStorageClasses,
                           cancel: Cancel? = nil, onProgress: (SubOperationCounts) -> Void,
                           onInstance: (DIMSEStatus, String?) -> Void = { _, _ in }) throws -> Outcome {
        try run(.get, identifier, model: model, peer: peer, cancel: cancel, storage: Array(storageClasses.prefix(127)), staging: staging,
                routing: routing,
                make: { .cGetRQ(CGetRQ(messageID: $0, affectedSOPClassUID: model.sopClassUID(.get))) },
                onMatch: { _ in }, onProgress: onProgress, onInstance: onInstance)
    }

    /// The Storage SOP classes a C-GET proposes unless told: the current image classes first,
    /// then the other current ones, in the registry's order, 127 in all (128 contexts at most).
    public static var defaultStorageClasses: [String] {
        let current = StorageSOPClass.all.filter { !$0.isRetired && !$0.isMediaOnly }
        let images = current.filter { $0.keyword.hasSuffix("ImageStorage") }
        let others = current.filter { !$0.keyword.hasSuffix("ImageStorage") }
        return Array((images + others).prefix(127).map(\.uid.rawValue))
    }

    /// The presentation contexts and role selections of an operation: the model's SOP class on
    /// context 1, and for C-GET one context per storage class (IDs 3, 5, …).
    static func negotiation(_ service: QueryRetrieveService, model: InformationModel, storage: [String])
        -> (contexts: [PresentationContextRQ], roles: [RoleSelection]) {
        var contexts = [PresentationContextRQ(id: 1, abstractSyntax: model.sopClassUID(service), transferSyntaxes: syntaxes)]
        var roles: [RoleSelection] = []
        for (i, uid) in storage.enumerated() {
            contexts.append(PresentationContextRQ(id: UInt8(3 + 2 * i), abstractSyntax: uid, transferSyntaxes: syntaxes))
            roles.append(RoleSelection(sopClassUID: uid, scuRole: 0, scpRole: 1))
        }
        return (contexts, roles)
    }

    static func run(_ service: QueryRetrieveService, _ identifier: DataSet, model: InformationModel,
                    peer: RequestorAssociation.Parameters, cancel: Cancel?, storage: [String], staging: (any InstanceStaging)?,
                    routing: (any InstanceRouting)? = nil, make: (UInt16) -> DIMSEMessage, onMatch: (DataSet) -> Void, onProgress: (SubOperationCounts) -> Void,
                    onInstance: (DIMSEStatus, String?) -> Void) throws -> Outcome {
        var parameters = peer
        (parameters.presentationContexts, parameters.roleSelections) = negotiation(service, model: model, storage: storage)
        let association = try RequestorAssociation(parameters)
        guard let ctx = association.context(for: model.sopClassUID(service), transferSyntaxes: syntaxes) else {
            association.abort()
            throw RequestorAssociation.Failure.protocolError("the peer did not accept \(model.rawValue.lowercased()) root \(service.rawValue)")
        }
        let ts = TransferSyntax.lookup(UID(ctx.transferSyntax))
        if let staging {
            association.subOperationReceiver = { rq, contextID in
                guard let accepted = association.acceptedContexts[contextID], accepted.abstractSyntax == rq.affectedSOPClassUID else { return nil }
                return InstanceReceiver(staging: staging, request: rq, transferSyntax: UID(accepted.transferSyntax),
                                        peer: AssociationPeer(calledAETitle: parameters.callingAETitle,
                                                              callingAETitle: parameters.calledAETitle, address: parameters.host),
                                        routing: routing, onOwnGet: true)
            }
        }
        var operation: QueryRetrieveOperation
        var cancelSent = false
        do {
            let id = try association.request(make, contextID: ctx.id, dataSet: try QueryIdentifier.encode(identifier, ts))
            operation = QueryRetrieveOperation(service: service, messageID: id)
            let poll: () throws(RequestorAssociation.Failure) -> Void = {
                if let cancel, cancel.isRequested, !cancelSent {
                    cancelSent = true
                    try association.cancel(id, contextID: ctx.id)
                }
            }
            while !operation.isFinished {
                let r = try association.nextMessage(waiting: "waiting for the \(service.rawValue)-RSP to message \(id)", poll: poll)
                switch r.message {
                case .cStoreRQ(let rq) where r.stored != nil:
                    let stored = r.stored!
                    try association.respond(to: rq, contextID: r.contextID, status: stored.status, comment: stored.comment)
                    onInstance(stored.status, stored.path)
                case .cFindRSP(let rsp), .cMoveRSP(let rsp), .cGetRSP(let rsp):
                    let step: QueryRetrieveOperation.Step
                    do {
                        step = try operation.receive(rsp)
                    } catch {
                        throw association.abort(because: error.message)
                    }
                    switch step {
                    case .match:
                        do {
                            onMatch(try QueryIdentifier.decode(r.dataSet ?? [], ts))
                        } catch {
                            throw association.abort(because: "a C-FIND-RSP identifier that cannot be read: \(error)")
                        }
                    case .progress(let counts): onProgress(counts)
                    case .final: break
                    }
                default:
                    throw association.abort(because: "unexpected \(r.message) during a \(service.rawValue)")
                }
            }
        } catch let failure as RequestorAssociation.Failure {
            association.discardPartialSubOperation()
            association.abort()
            throw failure
        }
        try? association.release()
        let final = operation.final!
        return Outcome(service: service, status: final.status, counts: operation.counts, pendingResponses: operation.pendingResponses,
                       anomalies: operation.anomalies, errorComment: final.errorComment, cancelled: cancelSent)
    }
}
