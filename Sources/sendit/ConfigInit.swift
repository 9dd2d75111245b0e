import ArgumentParser
import Foundation

extension ConfigCommand {
    /// `sendit config init`: a commented starting file, from the settings table.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Write a commented starting configuration file (every setting, its meaning and default).",
            discussion: """
                Every setting is written commented out with its default, so the file as written
                changes nothing; remove a # to set a value, then `sendit config check --config
                FILE`. The file is made with mode 0600 (it may come to hold a password). An
                existing file is left alone (exit status 1) unless --force; - writes to standard
                output.
                """)

        @Argument(help: "The file to write (- for standard output).")
        var file = "sendit.conf"

        @Flag(name: .long, help: "Replace the file if it exists.")
        var force = false

        struct Exists: Error, CustomStringConvertible {
            let path: String
            var description: String { "\(path) exists; --force replaces it" }
        }

        struct CannotWrite: Error, CustomStringConvertible {
            let path: String
            let reason: String
            var description: String { "cannot write \(path): \(reason)" }
        }

        func run() throws {
            let text = SettingsReference.startingFile
            if file == "-" {
                print(text, terminator: "")
                return
            }
            if !force && FileManager.default.fileExists(atPath: file) { throw Exists(path: file) }
            // Written beside it and renamed: a reader never sees half a file, and the mode is
            // 0600 from the start.
            let temporary = file + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CannotWrite(path: file, reason: String(cString: strerror(errno)))
            }
            defer { unlink(temporary) }
            // Without --force, link(2) refuses a file that appeared meanwhile; with it, rename(2)
            // replaces the old one at once.
            guard (force ? rename(temporary, file) : link(temporary, file)) == 0 else {
                if errno == EEXIST { throw Exists(path: file) }
                throw CannotWrite(path: file, reason: String(cString: strerror(errno)))
            }
            print("wrote \(file) (\(Setting.allCases.count) settings, all at their defaults, commented out)")
        }
    }
}
