import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the configuration.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Print the effective configuration (secrets masked) and where each value comes from; exit 1 if it is invalid.")

        @OptionGroup var configurationOptions: ConfigurationOptions

        func run() throws {
            let settings = try configurationOptions.load()
            print(settings.describe())
            do {
                _ = try settings.server()
                _ = try settings.pipeline()
                _ = try settings.deidentification()
                _ = try settings.burnedInRules()
                _ = try settings.jitterRange()
                _ = try settings.identifierFields()
                _ = try settings.identifiersURL()
                for d in try settings.destinations() {
                    if case .googleCloudStorage(let bucket, _) = d.target { _ = try settings.googleStorage(bucket: bucket) }
                }
                _ = try settings.googleMetadataFields()
                _ = try settings.sendRetryPolicy(lease: 300)
                _ = try settings.sendWorkers()
                _ = try settings.sendAssociations()
                _ = try settings.retention()
                _ = try settings.double("CLEANUP_INTERVAL")
                _ = try makeLogger(settings)
            } catch {
                print("invalid: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
