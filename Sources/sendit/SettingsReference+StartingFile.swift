extension SettingsReference {
    /// What `sendit config init` writes: every setting of the table, in its order, with its
    /// meaning, type, what is allowed and its default, commented out. The file as written is
    /// the defaults; removing a `#` sets a value.
    static var startingFile: String {
        var lines = [
            "# sendit configuration (`sendit serve --config FILE`; every command takes the same --config).",
            "# Written by `sendit config init` from the settings table; docs/configuration.md lists the same.",
            "#",
            "# KEY=VALUE lines. A line starting with # is a comment; a comment cannot follow a value on its",
            "# line. Quotes around a whole value are removed. Every setting is below with its default,",
            "# commented out: remove the # and change the value to set it. Environment variables of the same",
            "# names override this file, and serve's flags override both.",
            "# Check the result with: sendit config check --config FILE",
        ]
        for s in Setting.allCases {
            lines.append("")
            lines.append("# \(s.name): \(s.help).")
            lines.append("#   \(s.kind.type); allowed: \(s.kind.allowed).")
            if s.isSecret {
                lines.append("#   A secret: better given in the environment; if set here, keep this file unreadable to others.")
            }
            lines.append("#\(s.name)=\(s.defaultValue)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
