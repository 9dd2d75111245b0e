import ArgumentParser

@main
struct Sendit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sendit",
        abstract: "A DICOM node that receives studies, de-identifies them and forwards them to a research archive.",
        discussion: """
            Subcommands available now: dump (print DICOM files like dcmdump, or as DICOM JSON).
            See README.md for the whole pipeline as it is built.
            """,
        version: "0.1.0",
        subcommands: [DumpCommand.self])

    static func main() {
        let (arguments, paths) = PathArguments.split(Array(CommandLine.arguments.dropFirst()),
                                                     commands: ["dump": DumpCommand.self])
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
            try command.run()
        } catch {
            type(of: command).exit(withError: error)
        }
    }
}
