import Foundation

/// The text of every setting and where it came from: the defaults, then the configuration file
/// (`KEY=VALUE` lines, `#` comments), then environment variables of the same names, then
/// command-line flags, each overriding the one before. Nothing is checked here but the file's
/// form: lines that are not `KEY=VALUE`, names sendit does not know and names set twice are
/// `problems`, reported with everything `NodeConfiguration.resolve` finds.
struct SettingValues {
    enum Source: Equatable, CustomStringConvertible {
        case `default`
        case file(String, line: Int)
        case environment
        case flag(String)
        /// A project's `settings` in PROJECTS_FILE.
        case project(String, file: String)

        var description: String {
            switch self {
            case .project(let name, let file): "project \(name) in \(file)"
            case .default: "default"
            case .file(let path, let line): "file \(path):\(line)"
            case .environment: "environment"
            case .flag(let flag): "flag \(flag)"
            }
        }
    }

    struct Value: Equatable {
        var text: String
        var source: Source
    }

    /// A command-line flag that sets a setting (nil: not given).
    struct Override {
        let setting: Setting
        let flag: String
        let value: String?

        init(_ setting: Setting, _ flag: String, _ value: String?) {
            self.setting = setting
            self.flag = flag
            self.value = value
        }
    }

    private var values: [Setting: Value] = [:]
    private(set) var problems: [ConfigurationReport.Problem] = []
    /// The process's environment, for what is not a setting of sendit's (GCE_METADATA_HOST).
    let environment: [String: String]

    /// `file`'s text is read here; a file that cannot be read is a problem, not a throw.
    init(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment, overrides: [Override] = []) {
        var text: String? = nil
        var unreadable: ConfigurationReport.Problem? = nil
        if let file {
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                unreadable = ConfigurationReport.Problem(name: "--config", value: file, source: "flag --config",
                                                  message: "cannot be read: \(error.localizedDescription)")
            }
        }
        self.init(file: file ?? "", text: text, environment: environment, overrides: overrides)
        if let unreadable { problems.insert(unreadable, at: 0) }
    }

    /// The layers from a file's text (`path` names it in sources).
    init(file path: String, text: String?, environment: [String: String], overrides: [Override] = []) {
        self.environment = environment
        for s in Setting.allCases { values[s] = Value(text: s.defaultValue, source: .default) }
        if let text { readFile(path, text) }
        for s in Setting.allCases { if let v = environment[s.name] { values[s] = Value(text: v, source: .environment) } }
        for o in overrides { if let v = o.value { values[o.setting] = Value(text: v, source: .flag(o.flag)) } }
    }

    /// These values with a project's own settings over them (they win over the file, the
    /// environment and the flags, for that project only).
    func overriding(_ settings: [Setting: String], source: Source) -> SettingValues {
        var copy = self
        for (s, text) in settings { copy.values[s] = Value(text: text, source: source) }
        return copy
    }

    subscript(_ setting: Setting) -> Value { values[setting] ?? Value(text: setting.defaultValue, source: .default) }

    private mutating func readFile(_ path: String, _ text: String) {
        var lineOf: [Setting: Int] = [:]
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let source = Source.file(path, line: n + 1)
            guard let eq = line.firstIndex(of: "=") else {
                problems.append(ConfigurationReport.Problem(name: String(line.prefix(40)), value: nil, source: source.description,
                                                     message: "expected KEY=VALUE"))
                continue
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            guard let setting = Setting(rawValue: key) else {
                problems.append(ConfigurationReport.Problem(name: key, value: nil, source: source.description,
                                                     message: "is not a setting (see `sendit config check --help`)"))
                continue
            }
            if let first = lineOf[setting] {
                problems.append(ConfigurationReport.Problem(name: key, value: nil, source: source.description,
                                                     message: "is set twice (first on line \(first))"))
                continue
            }
            lineOf[setting] = n + 1
            values[setting] = Value(text: value, source: source)
        }
    }

    /// `KEY=VALUE  # source: help` for every setting, secrets masked.
    func describe() -> String {
        Setting.allCases.map { s in
            let v = self[s]
            let shown = s.shown(v.text)
            return "\(s.name)=\(shown)" + String(repeating: " ", count: max(1, 48 - s.name.count - shown.count)) + "# \(v.source): \(s.help)"
        }.joined(separator: "\n")
    }


    /// Every setting with its value as it may be shown and where it came from (the web's
    /// settings page).
    func shownWithSources() -> [(key: String, value: String)] {
        Setting.allCases.map { ($0.name, $0.shown(self[$0].text) + "  (" + "\(self[$0].source)" + ")") }
    }
}
