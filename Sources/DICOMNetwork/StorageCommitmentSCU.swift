import DICOMCore
import DICOMDIMSE
import DICOMFile
import DICOMUpperLayer

/// Asks a destination to commit to storing instances (Storage Commitment Push Model, PS3.4 J):
/// an association for the SOP class, an N-ACTION-RQ (action 1) with the Transaction UID and the
/// references, the N-ACTION-RSP, release. The result comes later, in an N-EVENT-REPORT the
/// destination sends on an association of its own (sendit's listener takes it).
public enum StorageCommitmentSCU {
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public let status: DIMSEStatus
        public var description: String { "storage commitment request refused: \(status)" }
    }

    /// Sends the request; returns when the destination accepted it (N-ACTION-RSP Success).
    public static func request(transactionUID: String, references: [StorageCommitment.Reference],
                               to d: StorageSCU.Destination) throws -> DIMSEStatus {
        let syntaxes = [TransferSyntax.explicitVRLittleEndian.uid.rawValue, TransferSyntax.implicitVRLittleEndian.uid.rawValue]
        var parameters = RequestorAssociation.Parameters(
            host: d.host, port: d.port, callingAETitle: d.callingAETitle, calledAETitle: d.calledAETitle,
            presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: StorageCommitment.sopClassUID, transferSyntaxes: syntaxes)])
        parameters.maximumPDULength = d.maximumPDULength
        parameters.connectTimeout = d.connectTimeout
        parameters.dimseTimeout = d.dimseTimeout
        parameters.tls = d.tls
        let association = try RequestorAssociation(parameters)
        guard let ctx = association.context(for: StorageCommitment.sopClassUID, transferSyntaxes: syntaxes) else {
            association.abort()
            throw RequestorAssociation.Failure.protocolError("the destination did not accept Storage Commitment Push Model")
        }
        let ts = TransferSyntax.lookup(UID(ctx.transferSyntax))
        let data = try DataSetEncoder(explicitVR: ts.isExplicitVR).encode(
            StorageCommitment.requestDataSet(transactionUID: transactionUID, references: references))
        let rsp: NActionRSP
        do {
            rsp = try association.action(requestedSOPClassUID: StorageCommitment.sopClassUID,
                                         requestedSOPInstanceUID: StorageCommitment.sopInstanceUID,
                                         actionTypeID: StorageCommitment.requestActionTypeID, contextID: ctx.id, dataSet: data)
        } catch {
            association.abort()
            throw error
        }
        try? association.release()
        guard rsp.status.isSuccess || rsp.status.isWarning else { throw Refused(status: rsp.status) }
        return rsp.status
    }
}
