import DICOMCore

/// Storage Commitment Push Model (PS3.4 Annex J): the request an SCU sends in an N-ACTION (action
/// type 1) and the result the SCP reports in an N-EVENT-REPORT (event type 1: every instance
/// committed; 2: some failed). Pure values; the network code carries them.
public enum StorageCommitment {
    public static let sopClassUID = UID.storageCommitmentPushModel.rawValue
    /// The well-known SOP instance the N-ACTION and the N-EVENT-REPORT address.
    public static let sopInstanceUID = UID.storageCommitmentPushModelInstance.rawValue
    public static let requestActionTypeID: UInt16 = 1
    public static let allCommittedEventTypeID: UInt16 = 1
    public static let someFailedEventTypeID: UInt16 = 2

    /// One instance: its SOP class and instance UIDs.
    public struct Reference: Equatable, Hashable, Sendable {
        public var sopClassUID: String
        public var sopInstanceUID: String
        public init(sopClassUID: String, sopInstanceUID: String) {
            self.sopClassUID = sopClassUID
            self.sopInstanceUID = sopInstanceUID
        }

        func item() -> DataSet {
            DataSet([DataElement(tag: .referencedSOPClassUID, vr: .UI, string: sopClassUID),
                     DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: sopInstanceUID)])
        }
    }

    /// The N-ACTION-RQ's data set: Transaction UID and the Referenced SOP Sequence (J.3.2.1.1).
    public static func requestDataSet(transactionUID: String, references: [Reference]) -> DataSet {
        DataSet([DataElement(tag: .transactionUID, vr: .UI, string: transactionUID),
                 DataElement(sequence: .referencedSOPSequence, items: references.map { $0.item() })])
    }

    /// What an N-EVENT-REPORT said (J.3.3.1.1).
    public struct Report: Equatable, Sendable {
        public var transactionUID: String
        public var committed: [Reference]
        /// The instances not committed, with the Failure Reason (0008,1197) of each.
        public var failed: [(reference: Reference, reason: UInt16?)]

        public static func == (a: Report, b: Report) -> Bool {
            a.transactionUID == b.transactionUID && a.committed == b.committed
                && a.failed.map(\.reference) == b.failed.map(\.reference) && a.failed.map(\.reason) == b.failed.map(\.reason)
        }

        public init(transactionUID: String, committed: [Reference], failed: [(reference: Reference, reason: UInt16?)]) {
            self.transactionUID = transactionUID
            self.committed = committed
            self.failed = failed
        }

        public struct Invalid: Error, CustomStringConvertible, Sendable {
            public let description: String
        }

        /// Reads the event's data set; throws if it lacks the Transaction UID or a reference is
        /// incomplete.
        public static func parse(_ dataSet: DataSet) throws(Invalid) -> Report {
            guard let transaction = dataSet.string(.transactionUID), !transaction.isEmpty else {
                throw Invalid(description: "N-EVENT-REPORT without Transaction UID (0008,1195)")
            }
            func references(_ tag: Tag) throws(Invalid) -> [(Reference, UInt16?)] {
                var out: [(Reference, UInt16?)] = []
                for item in dataSet[tag]?.items ?? [] {
                    guard let c = item.string(.referencedSOPClassUID), let i = item.string(.referencedSOPInstanceUID), !i.isEmpty else {
                        throw Invalid(description: "an item of \(tag) without Referenced SOP Class or Instance UID")
                    }
                    out.append((Reference(sopClassUID: c, sopInstanceUID: i), item.int(.failureReason).map { UInt16(truncatingIfNeeded: $0) }))
                }
                return out
            }
            return Report(transactionUID: transaction, committed: try references(.referencedSOPSequence).map(\.0),
                          failed: try references(.failedSOPSequence).map { (reference: $0.0, reason: $0.1) })
        }

        /// The SCP's side, for tests and peers: the event's data set.
        public func dataSet() -> DataSet {
            var ds = DataSet([DataElement(tag: .transactionUID, vr: .UI, string: transactionUID)])
            if !committed.isEmpty { _ = ds.set(DataElement(sequence: .referencedSOPSequence, items: committed.map { $0.item() })) }
            if !failed.isEmpty {
                _ = ds.set(DataElement(sequence: .failedSOPSequence, items: failed.map { f in
                    var item = f.reference.item()
                    if let reason = f.reason { _ = item.set(DataElement(tag: .failureReason, vr: .US, bytes: [UInt8(reason & 0xFF), UInt8(reason >> 8)])) }
                    return item
                }))
            }
            return ds
        }
    }
}
