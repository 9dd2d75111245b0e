import ArgumentParser
import SenditIndex

/// `sendit version`: what this binary is.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, the build's git commit, the Swift compiler and the index's schema version.")

    /// The release (also `sendit --version`).
    static let version = "0.1.0"

    /// The compiler that built this binary, to the minor version.
    static var swiftVersion: String {
        #if compiler(>=6.5)
        return "6.5 or later"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// `name value` lines: version, build (the git commit, or unknown), swift, schema (the
    /// newest index migration this binary applies).
    static var lines: [String] {
        ["sendit \(version)", "build  \(BuildCommit.commit)", "swift  \(swiftVersion)", "schema \(IndexDatabase.schemaVersion)"]
    }

    func run() {
        for line in Self.lines { print(line) }
    }
}
