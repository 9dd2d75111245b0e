import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration, or write a starting file.",
        subcommands: [Check.self, Docs.self, Init.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Print the effective configuration (secrets masked) and where each value comes from; exit 1 if it is invalid.",
            discussion: """
                Resolves the configuration exactly as `sendit serve` does before it starts (the same
                function): exit status 0 if serve would accept it, 1 with one report naming every
                mistake if serve would refuse it. The settings (docs/configuration.md):
                \(SettingsReference.helpList)
                """)

        @OptionGroup var configurationOptions: ConfigurationOptions

        func run() throws {
            let values = configurationOptions.values()
            print(values.describe())
            do {
                _ = try NodeConfiguration.resolve(values)
            } catch {
                print(error)
                throw ExitCode(1)
            }
        }
    }

    /// Writes docs/configuration.md from the settings table.
    struct Docs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "docs",
            abstract: "Print docs/configuration.md, the settings reference, from the settings table.",
            shouldDisplay: false)

        func run() {
            print(SettingsReference.markdown, terminator: "")
        }
    }
}
