import ArgumentParser
import DICOMCore
import DICOMDIMSE
import DICOMNetwork
import Foundation

struct MoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Have an archive send studies to an AE title: C-MOVE, like movescu.",
        discussion: """
            Finds the studies the key matches (C-FIND), then asks for each one by its
            Study Instance UID (C-MOVE) to be sent to --dest, an AE title the archive
            knows (this node's own listener, or any). Prints the sub-operation counts as
            the archive reports them and each study's final status. Exit status 0 when
            every study was moved with no failed sub-operation, 1 otherwise (no study
            found, a refusal such as A801 Move destination unknown, a failed sub-
            operation, a broken association).

            \(QueryRetrieveOptions.help)
            """)

    @OptionGroup var options: QueryRetrieveOptions
    @Option(name: .long, help: "The AE title the archive sends the instances to.") var dest: String

    func validate() throws { try options.refuseWildcards() }

    func run() throws {
        do {
            let studies = try RetrieveRun.studies(options, command: "move")
            var ok = true
            for (i, uid) in studies.enumerated() {
                let outcome = try QueryRetrieveSCU.move(RetrieveRun.identifier(uid, options), to: dest, model: try options.informationModel(),
                                                        peer: try options.peer()) { counts in
                    print("study \(i + 1)/\(studies.count) \(uid): \(counts)")
                }
                ok = RetrieveRun.finished("move", i, studies.count, uid, outcome) && ok
            }
            if !ok { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw QueryRetrieveOptions.fail("move", error)
        }
    }
}
