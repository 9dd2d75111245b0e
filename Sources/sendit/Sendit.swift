import ArgumentParser
import Foundation

@main
struct Sendit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendit",
        abstract: "A DICOM node that receives studies, de-identifies them and forwards them to a research archive.",
        discussion: """
            Run the node with `sendit serve`. Settings come from embedded defaults, a
            file given with --config, environment variables of the same names and
            flags; `sendit config check` prints them, `sendit config init` writes a
            commented starting file, and docs/configuration.md lists them. See
            README.md and docs/operations.md.

            Exit status (every command):
              0   success (also --help, --version; serve stopped by SIGTERM/SIGINT)
              1   an invalid configuration (one report naming every mistake), no
                  index at DATABASE, or the command failed: an unreadable file,
                  FAILED images, a refused C-ECHO, a failed query or retrieval,
                  nothing held to release, a file
                  `config init` will not replace; for serve, a service that failed
                  while the node ran
              2   serve cannot start: the port taken, the database or data folder
                  in use by another node, a folder it cannot make
              3   import: files were quarantined (nothing failed)
              64  usage: an unknown command or option, an argument missing,
                  malformed or naming nothing (retry of a series not in the
                  index, user add of a name taken)
            """,
        version: VersionCommand.version,
        subcommands: [ServeCommand.self, ImportCommand.self, StatusCommand.self, SendStatusCommand.self, RetryCommand.self, ReleaseCommand.self,
                      DeidCommand.self, SendCommand.self, EchoCommand.self, QueryCommand.self, MoveCommand.self, GetCommand.self, RetrieveCommand.self, DumpCommand.self, ConfigCommand.self, UserCommand.self,
                      TokenCommand.self, ReportCommand.self, RulesCommand.self, LookupCommand.self, VersionCommand.self])

    static func main() async {
        // A peer that closes while we write must be an error, never a SIGPIPE that ends the node.
        signal(SIGPIPE, SIG_IGN)
        let (arguments, paths) = PathArguments.split(Array(CommandLine.arguments.dropFirst()),
                                                     commands: ["dump": DumpCommand.self, "send": SendCommand.self, "deid": DeidCommand.self])
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        if var withPaths = command as? ManyPathsCommand & ParsableCommand {
            withPaths.paths += paths
            command = withPaths
        }
        do {
            // `serve` is async (its services run in a group); the other commands are not.
            if let serve = command as? ServeCommand {
                try await serve.run()
            } else {
                try command.run()
            }
        } catch {
            type(of: command).exit(withError: error)
        }
    }
}
