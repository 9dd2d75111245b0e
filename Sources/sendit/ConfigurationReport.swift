/// Everything wrong with a configuration, found in one pass before anything starts: each problem
/// names the setting, its value (a secret's masked), where the value came from and what is
/// allowed. `sendit config check` prints it; every other command refuses to start with it.
struct ConfigurationReport: Error, CustomStringConvertible {
    struct Problem: Equatable, CustomStringConvertible {
        /// The setting's name (or what a line of the file that is no setting said).
        let name: String
        /// The value as shown (nil when the problem is not the value).
        let value: String?
        /// default, file PATH:LINE, environment, flag --NAME.
        let source: String
        /// "must be 1 to 16", "is not a setting", …
        let message: String

        var description: String {
            (value.map { "\(name)=\($0)" } ?? name) + " (\(source)): \(message)"
        }
    }

    let problems: [Problem]

    /// The setting names the problems are about, for tests and summaries.
    var names: Set<String> { Set(problems.map(\.name)) }

    var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "invalid configuration, \(count):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
