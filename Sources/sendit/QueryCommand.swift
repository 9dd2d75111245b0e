import ArgumentParser
import DICOMCore
import DICOMNetwork
import Foundation

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Look for studies or series in an archive: C-FIND, like findscu.",
        discussion: """
            Prints one line per match with the keys the archive returned
            (StudyInstanceUID, AccessionNumber, PatientID, StudyDate, ModalitiesInStudy,
            the numbers of related series and instances; at SERIES level
            SeriesInstanceUID, Modality, SeriesNumber and the number of instances), then
            the number of matches on stderr. --level SERIES first finds the studies,
            then asks each one's series. Exit status 0 when the archive answered Success
            (also with no match), 1 otherwise.

            \(QueryRetrieveOptions.help)
            """)

    @OptionGroup var options: QueryRetrieveOptions
    @Option(name: .long, help: "STUDY or SERIES.") var level = "STUDY"

    func validate() throws {
        guard ["STUDY", "SERIES"].contains(level.uppercased()) else { throw ValidationError("--level must be STUDY or SERIES") }
    }

    func run() throws {
        do {
            let (studies, outcome) = try options.findStudies()
            QueryRetrieveOptions.report("query", outcome)
            guard outcome.succeeded else { throw ExitCode(1) }
            var count = 0
            for study in studies {
                guard level.uppercased() == "SERIES" else {
                    print(QueryCommand.line(study, [.studyInstanceUID, .accessionNumber, .patientID, .studyDate, .modalitiesInStudy,
                                                    .numberOfStudyRelatedSeries, .numberOfStudyRelatedInstances]))
                    count += 1
                    continue
                }
                guard let uid = study.string(.studyInstanceUID), !uid.isEmpty else { continue }
                var ds = DataSet()
                ds.set(DataElement(tag: .queryRetrieveLevel, vr: .CS, string: "SERIES"))
                if try options.informationModel() == .patientRoot { ds.set(DataElement(tag: .patientID, vr: .LO, string: options.patientID ?? "")) }
                ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: uid))
                ds.set(DataElement(tag: .seriesInstanceUID, vr: .UI, string: ""))
                ds.set(DataElement(tag: .modality, vr: .CS, string: ""))
                ds.set(DataElement(tag: .seriesNumber, vr: .IS, string: ""))
                ds.set(DataElement(tag: .numberOfSeriesRelatedInstances, vr: .IS, string: ""))
                let seriesOutcome = try QueryRetrieveSCU.find(ds, model: try options.informationModel(), peer: try options.peer()) { series in
                    print(QueryCommand.line(series, [.studyInstanceUID, .seriesInstanceUID, .modality, .seriesNumber,
                                                     .numberOfSeriesRelatedInstances]))
                    count += 1
                }
                QueryRetrieveOptions.report("query", seriesOutcome)
                guard seriesOutcome.succeeded else { throw ExitCode(1) }
            }
            FileHandle.standardError.write(Data("\(count) match\(count == 1 ? "" : "es")\n".utf8))
        } catch let e as ExitCode {
            throw e
        } catch {
            throw QueryRetrieveOptions.fail("query", error)
        }
    }

    /// `Keyword=value` for each key, in order; a key the archive did not return is left out.
    static func line(_ ds: DataSet, _ tags: [Tag]) -> String {
        tags.compactMap { tag in
            guard ds[tag] != nil else { return nil }
            let value = ds.strings(tag).joined(separator: "\\")
            return "\(DataDictionary.entry(for: tag)?.keyword ?? "\(tag)")=\(value)"
        }.joined(separator: " ")
    }
}
