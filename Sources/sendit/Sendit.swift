import ArgumentParser
import Foundation

@main
struct Sendit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendit",
        abstract: "A DICOM node that receives studies, de-identifies them and forwards them to a research archive.",
        discussion: """
            Run the node with `sendit serve`. Settings come from embedded defaults, a file given
            with --config, environment variables of the same names and flags; `sendit config check`
            prints them and docs/configuration.md lists them. See README.md.
            """,
        version: "0.1.0",
        subcommands: [ServeCommand.self, ImportCommand.self, StatusCommand.self, SendStatusCommand.self, RetryCommand.self, ReleaseCommand.self,
                      DeidCommand.self, SendCommand.self, EchoCommand.self, DumpCommand.self, ConfigCommand.self, UserCommand.self,
                      TokenCommand.self])

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
