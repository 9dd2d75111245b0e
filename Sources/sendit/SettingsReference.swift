/// The settings reference, written from the `Setting` table: `docs/configuration.md` (by the
/// hidden `sendit config docs`; a test fails when the checked-in file differs) and the list in
/// `sendit serve --help` and `sendit config check --help`.
enum SettingsReference {
    /// docs/configuration.md.
    static var markdown: String {
        var lines = [
            "# Configuration",
            "",
            "<!-- DO NOT EDIT: generated from Sources/sendit/Setting.swift by `sendit config docs > docs/configuration.md`;",
            "     the unit tests fail when this file differs from what the code generates. -->",
            "",
            "Settings come from four places, each overriding the one before:",
            "",
            "1. the defaults below;",
            "2. a file given with `--config`: `KEY=VALUE` lines, `#` comments, values optionally in quotes;",
            "3. environment variables of the same names;",
            "4. command-line flags (`sendit serve --port --aet --data --stable-age`, `sendit deid --options --recipe`).",
            "",
            "Every command resolves them the same way before it starts, and refuses to start with one report",
            "that names each mistake: the setting, its value, where the value came from, and what is allowed.",
            "A name in the file that is not a setting, a line that is not `KEY=VALUE` and a setting given twice",
            "in the file are mistakes too. `sendit config check` prints every value with its source and exits 1",
            "on the same report `sendit serve` refuses to start with (also exit status 1).",
            "",
            "No value may contain a control character. Only the names below are read from the environment.",
            "",
            "Secrets are masked in `sendit config check` and in reports. Keys and tokens that are not settings",
            "(`DEID_KEY`, `IDENTIFIERS_TOKEN`) live in `SECRETS_FILE`.",
            "",
            "| Setting | Type | Default | Allowed | Meaning |",
            "|---|---|---|---|---|",
        ]
        for s in Setting.allCases {
            let name = "`\(s.name)`" + (s.isSecret ? " (secret)" : "")
            let value = s.defaultValue.isEmpty ? "(empty)" : "`\(s.defaultValue)`"
            lines.append("| \(name) | \(cell(s.kind.type)) | \(value) | \(cell(s.kind.allowed)) | \(cell(s.help)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Two lines per setting, for a command's `--help`: the name, type and default; the help
    /// and what is allowed.
    static var helpList: String {
        Setting.allCases.map { s in
            let value = s.defaultValue.isEmpty ? "empty" : s.defaultValue
            return "\(s.name) (\(s.kind.type), default \(value)\(s.isSecret ? ", secret" : ""))\n"
                + "  \(s.help). Allowed: \(s.kind.allowed)."
        }.joined(separator: "\n")
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }
}
