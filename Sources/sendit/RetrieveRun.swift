import ArgumentParser
import DICOMCore
import DICOMNetwork
import Foundation

/// The steps `sendit move` and `get` share: the studies a key names, each study's identifier,
/// and the line that ends each study.
enum RetrieveRun {
    /// The Study Instance UIDs the key matches (C-FIND), or exit 1 when there are none.
    static func studies(_ options: QueryRetrieveOptions, command: String) throws -> [String] {
        let (matches, outcome) = try options.findStudies()
        QueryRetrieveOptions.report(command, outcome)
        guard outcome.succeeded else { throw ExitCode(1) }
        var uids: [String] = []
        for m in matches { if let uid = m.string(.studyInstanceUID), !uid.isEmpty, !uids.contains(uid) { uids.append(uid) } }
        if uids.isEmpty {
            FileHandle.standardError.write(Data("sendit \(command): no study matches\n".utf8))
            throw ExitCode(1)
        }
        return uids
    }

    static func identifier(_ studyUID: String, _ options: QueryRetrieveOptions) throws -> DataSet {
        var ds = DataSet()
        ds.set(DataElement(tag: .queryRetrieveLevel, vr: .CS, string: "STUDY"))
        if try options.informationModel() == .patientRoot { ds.set(DataElement(tag: .patientID, vr: .LO, string: options.patientID ?? "")) }
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: studyUID))
        return ds
    }

    /// Prints the study's final line; true when it succeeded with no failed sub-operation.
    static func finished(_ command: String, _ i: Int, _ n: Int, _ uid: String, _ outcome: QueryRetrieveSCU.Outcome, stored: Int? = nil) -> Bool {
        var line = "study \(i + 1)/\(n) \(uid): \(outcome.statusDescription): \(outcome.counts)"
        if let stored { line += " stored \(stored)" }
        if let comment = outcome.errorComment, !comment.isEmpty { line += " (\(comment))" }
        print(line)
        for a in outcome.anomalies { FileHandle.standardError.write(Data("sendit \(command): anomaly: \(a)\n".utf8)) }
        return outcome.category == .success && (outcome.counts.failed ?? 0) == 0
    }
}
