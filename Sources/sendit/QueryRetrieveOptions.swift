import ArgumentParser
import DICOMCore
import DICOMDIMSE
import DICOMNetwork
import DICOMUpperLayer
import Foundation

/// What `sendit query`, `move` and `get` share: the peer, the AE titles, one key to look for, the
/// information model; and the C-FIND that turns the key into studies.
struct QueryRetrieveOptions: ParsableArguments {
    @Option(name: .long, help: "The archive: HOST:PORT.") var from: String
    @Option(name: .long, help: "Called AE title (the archive).") var aec: String
    @Option(name: .long, help: "Calling AE title (this side).") var aet = "SENDIT"
    @Option(name: .long, help: "Accession Number to look for.") var accession: String?
    @Option(name: .customLong("patient-id"), help: "Patient ID to look for.") var patientID: String?
    @Option(name: .customLong("study-uid"), help: "Study Instance UID to look for.") var studyUID: String?
    @Option(name: .long, help: "Information model: study (Study Root) or patient (Patient Root).") var model = "study"
    @Option(name: .long, help: "Seconds to wait for the connection and for each response.") var timeout: Double = 60
    @OptionGroup var tls: TLSOptions

    static let help = """
        These commands print original identifiers (Patient ID, Accession Number,
        UIDs, dates) as the archive returns them: the operator asked for them. Their
        output is not de-identified; keep it with the requester's own data.
        """

    func validate() throws {
        let keys = [accession, patientID, studyUID].compactMap { $0 }
        guard keys.count == 1 else { throw ValidationError("give exactly one of --accession, --patient-id, --study-uid") }
        // An empty key would match every study (universal matching).
        guard !keys[0].isEmpty, keys[0].utf8.count <= 64, !keys[0].contains("\\") else {
            throw ValidationError("the key is not a single, non-empty DICOM value")
        }
        _ = try peer()
        // Patient Root asks for the patient first: only a Patient ID names one.
        if try informationModel() == .patientRoot && patientID == nil { throw ValidationError("--model patient needs --patient-id") }
    }

    /// move and get retrieve what the key matches: no wildcard, so a typo cannot fetch a whole archive.
    func refuseWildcards() throws {
        if [accession, patientID, studyUID].compactMap({ $0 }).contains(where: { $0.contains("*") || $0.contains("?") }) {
            throw ValidationError("no wildcard (* or ?) in the key of a retrieval")
        }
    }

    func informationModel() throws -> QueryRetrieveSCU.InformationModel {
        switch model.lowercased() {
        case "study": return .studyRoot
        case "patient": return .patientRoot
        default: throw ValidationError("--model must be study or patient")
        }
    }

    func peer() throws -> RequestorAssociation.Parameters {
        guard let colon = from.lastIndex(of: ":"), let port = Int(from[from.index(after: colon)...]), (1...65535).contains(port),
              colon != from.startIndex else {
            throw ValidationError("--from must be HOST:PORT")
        }
        var p = RequestorAssociation.Parameters(host: String(from[..<colon]), port: port, callingAETitle: aet, calledAETitle: aec,
                                                presentationContexts: [])
        p.connectTimeout = timeout
        p.artimTimeout = timeout
        p.dimseTimeout = timeout
        p.tls = try tls.store()
        return p
    }

    /// The study-level identifier: the key given, and the return keys wanted (empty).
    func studyIdentifier() throws -> DataSet {
        var ds = DataSet()
        ds.set(DataElement(tag: .queryRetrieveLevel, vr: .CS, string: "STUDY"))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: accession ?? ""))
        ds.set(DataElement(tag: .patientID, vr: .LO, string: patientID ?? ""))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: studyUID ?? ""))
        ds.set(DataElement(tag: .studyDate, vr: .DA, string: ""))
        ds.set(DataElement(tag: .modalitiesInStudy, vr: .CS, string: ""))
        ds.set(DataElement(tag: .numberOfStudyRelatedSeries, vr: .IS, string: ""))
        ds.set(DataElement(tag: .numberOfStudyRelatedInstances, vr: .IS, string: ""))
        return ds
    }

    /// The studies the key matches (C-FIND at STUDY level): each match's identifier.
    func findStudies() throws -> (matches: [DataSet], outcome: QueryRetrieveSCU.Outcome) {
        var matches: [DataSet] = []
        let outcome = try QueryRetrieveSCU.find(try studyIdentifier(), model: try informationModel(), peer: try peer()) { matches.append($0) }
        return (matches, outcome)
    }

    /// "0000 Success" with the error comment and anomalies, for stderr.
    static func report(_ command: String, _ outcome: QueryRetrieveSCU.Outcome) {
        var text = "sendit \(command): \(outcome.service.rawValue) \(outcome.statusDescription)"
        if let comment = outcome.errorComment, !comment.isEmpty { text += " (\(comment))" }
        if outcome.category != .success || !outcome.anomalies.isEmpty {
            for a in outcome.anomalies { text += "\n  anomaly: \(a)" }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    static func fail(_ command: String, _ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("sendit \(command): \(error)\n".utf8))
        return ExitCode(1)
    }
}
