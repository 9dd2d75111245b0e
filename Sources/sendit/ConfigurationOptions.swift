import ArgumentParser

/// Options every command that reads the configuration shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (KEY=VALUE lines); environment variables of the same names override it.")
    var config: String?

    /// The settings' values and sources: defaults, the file, the environment, `overrides`.
    func values(_ overrides: [SettingValues.Override] = []) -> SettingValues {
        SettingValues(file: config, overrides: overrides)
    }

    /// The configuration, or the report of everything wrong with it.
    func resolve(_ overrides: [SettingValues.Override] = []) throws(ConfigurationReport) -> NodeConfiguration {
        try NodeConfiguration.resolve(values(overrides))
    }
}
