import DICOMCore
import DICOMDIMSE
import DICOMNetwork
import Foundation
import SenditIndex

/// The retrieval loop's three operations on an archive, behind a protocol so the loop is
/// tested without sockets. `DICOMRetrievalPeer` runs them with the Query/Retrieve SCU.
public protocol RetrievalPeer: Sendable {
    /// A Study Root C-FIND at STUDY level for the item's key and dates: the ending and each
    /// match's StudyInstanceUID and NumberOfStudyRelatedInstances.
    func find(_ item: RetrievalItem, at source: RetrievalSource, cancel: QueryRetrieveSCU.Cancel) throws
        -> (RetrievalDecision.Ending, [(uid: String?, instances: String?)])
    /// A C-MOVE of one study to `destination` (this node's AE title); counts to `progress`.
    func move(studyUID: String, from source: RetrievalSource, to destination: String, cancel: QueryRetrieveSCU.Cancel,
              progress: @escaping (RetrievalCounts) -> Void) throws -> RetrievalDecision.Ending
    /// A C-GET of one study into `staging`; returns the ending and the instances stored.
    func get(studyUID: String, from source: RetrievalSource, into staging: any InstanceStaging, cancel: QueryRetrieveSCU.Cancel,
             progress: @escaping (RetrievalCounts) -> Void) throws -> (RetrievalDecision.Ending, stored: Int)
}

public struct DICOMRetrievalPeer: RetrievalPeer {
    public var callingAETitle: String
    public var timeout: TimeInterval
    /// Where C-GET's instances go: the node's routing, which sends a retrieved study to its
    /// job's project (nil: a node without projects).
    public var routing: (any InstanceRouting)?

    public init(callingAETitle: String, timeout: TimeInterval) {
        self.callingAETitle = callingAETitle
        self.timeout = timeout
    }

    /// The STUDY-level identifier: the key, the dates, and the return keys wanted.
    public static func findIdentifier(_ item: RetrievalItem) -> DataSet {
        var ds = DataSet()
        ds.set(DataElement(tag: .queryRetrieveLevel, vr: .CS, string: "STUDY"))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: item.kind == .accession ? item.value : ""))
        ds.set(DataElement(tag: .patientID, vr: .LO, string: item.kind == .patientID ? item.value : ""))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: item.kind == .studyUID ? item.value : ""))
        ds.set(DataElement(tag: .studyDate, vr: .DA, string: item.dates ?? ""))
        ds.set(DataElement(tag: .numberOfStudyRelatedInstances, vr: .IS, string: ""))
        return ds
    }

    static func studyIdentifier(_ uid: String) -> DataSet {
        var ds = DataSet()
        ds.set(DataElement(tag: .queryRetrieveLevel, vr: .CS, string: "STUDY"))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: uid))
        return ds
    }

    static func ending(_ o: QueryRetrieveSCU.Outcome) -> RetrievalDecision.Ending {
        let hex = String(o.status.code, radix: 16, uppercase: true)
        return RetrievalDecision.Ending(
            category: o.cancelled ? .cancel : o.category, code: "0x" + String(repeating: "0", count: 4 - hex.count) + hex,
            meaning: QueryRetrieveStatus.meaning(o.status, in: o.service), counts: counts(o.counts))
    }

    static func counts(_ c: SubOperationCounts) -> RetrievalCounts {
        RetrievalCounts(remaining: Int(c.remaining ?? 0), completed: Int(c.completed ?? 0), failed: Int(c.failed ?? 0),
                        warning: Int(c.warning ?? 0))
    }

    public func find(_ item: RetrievalItem, at source: RetrievalSource, cancel: QueryRetrieveSCU.Cancel) throws
        -> (RetrievalDecision.Ending, [(uid: String?, instances: String?)]) {
        var matches: [(uid: String?, instances: String?)] = []
        let outcome = try QueryRetrieveSCU.find(Self.findIdentifier(item), model: .studyRoot,
                                                peer: source.peer(callingAETitle: callingAETitle, timeout: timeout), cancel: cancel) {
            matches.append(($0.string(.studyInstanceUID), $0.string(.numberOfStudyRelatedInstances)))
        }
        return (Self.ending(outcome), matches)
    }

    public func move(studyUID: String, from source: RetrievalSource, to destination: String, cancel: QueryRetrieveSCU.Cancel,
                     progress: @escaping (RetrievalCounts) -> Void) throws -> RetrievalDecision.Ending {
        let outcome = try QueryRetrieveSCU.move(Self.studyIdentifier(studyUID), to: destination, model: .studyRoot,
                                                peer: source.peer(callingAETitle: callingAETitle, timeout: timeout), cancel: cancel) {
            progress(Self.counts($0))
        }
        return Self.ending(outcome)
    }

    public func get(studyUID: String, from source: RetrievalSource, into staging: any InstanceStaging, cancel: QueryRetrieveSCU.Cancel,
                    progress: @escaping (RetrievalCounts) -> Void) throws -> (RetrievalDecision.Ending, stored: Int) {
        var stored = 0
        let outcome = try QueryRetrieveSCU.get(Self.studyIdentifier(studyUID), model: .studyRoot,
                                               peer: source.peer(callingAETitle: callingAETitle, timeout: timeout), into: staging,
                                               routing: routing,
                                               cancel: cancel, onProgress: { progress(Self.counts($0)) },
                                               onInstance: { _, path in if path != nil { stored += 1 } })
        return (Self.ending(outcome), stored)
    }
}
