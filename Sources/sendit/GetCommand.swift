import ArgumentParser
import DICOMCore
import DICOMDIMSE
import DICOMNetwork
import Foundation
import SenditIntake

struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Fetch studies from an archive into a folder: C-GET, like getscu.",
        discussion: """
            Finds the studies the key matches (C-FIND), then fetches each one by its
            Study Instance UID (C-GET); the instances come back on the same association
            and are written to --out as <SOPInstanceUID>.dcm, each checked (complete
            DICOM, the instance announced) and synced before it is acknowledged, as the
            listener does. Proposes up to 127 Storage SOP classes (current image classes
            first; --sop-class to choose) in Explicit and Implicit VR Little Endian.
            Prints the sub-operation counts as they arrive. Exit status 0 when every
            study came with no failed sub-operation, else 1.

            \(QueryRetrieveOptions.help)
            """)

    @OptionGroup var options: QueryRetrieveOptions
    @Option(name: .long, help: "The folder to write the instances to (made if needed).") var out: String
    @Option(name: .customLong("sop-class"), help: "A Storage SOP Class UID to accept (repeat; default: up to 127 current ones).")
    var sopClasses: [String] = []

    func validate() throws { try options.refuseWildcards() }

    func run() throws {
        do {
            let folder = try RetrieveFolder(out)
            let studies = try RetrieveRun.studies(options, command: "get")
            var ok = true
            for (i, uid) in studies.enumerated() {
                var stored = 0
                let outcome = try QueryRetrieveSCU.get(
                    RetrieveRun.identifier(uid, options), model: try options.informationModel(), peer: try options.peer(), into: folder,
                    storageClasses: sopClasses.isEmpty ? QueryRetrieveSCU.defaultStorageClasses : sopClasses,
                    onProgress: { counts in print("study \(i + 1)/\(studies.count) \(uid): \(counts)") },
                    onInstance: { status, path in
                        if path != nil { stored += 1 } else {
                            FileHandle.standardError.write(Data("sendit get: an instance was refused: \(status)\n".utf8))
                        }
                    })
                ok = RetrieveRun.finished("get", i, studies.count, uid, outcome, stored: stored) && ok
            }
            if !ok { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw QueryRetrieveOptions.fail("get", error)
        }
    }
}
