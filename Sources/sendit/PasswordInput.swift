#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation

/// Reads a new password from standard input (`sendit user add|passwd --password-stdin`): from a
/// terminal without echo (termios), asked twice; from a pipe, one line. A password is never an
/// argument: it would be in the shell's history and in every `ps`.
enum PasswordInput {
    static func read() throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            let first = try withoutEcho { try prompt("New password: ") }
            let second = try withoutEcho { try prompt("Again: ") }
            guard first == second else { throw ValidationError("the two passwords differ; nothing was changed") }
            return first
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
        return line
    }

    private static func prompt(_ text: String) throws -> String {
        StandardOutput.error(text)
        defer { StandardOutput.error("\n") }   // the Enter typed was not echoed
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password typed") }
        return line
    }

    /// `body` with the terminal's echo off, restored after (also when `body` throws).
    private static func withoutEcho<T>(_ body: () throws -> T) throws -> T {
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw ValidationError("cannot read the terminal's settings: \(String(cString: strerror(errno)))") }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 else { throw ValidationError("cannot turn the terminal's echo off") }
        defer { _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
        return try body()
    }

    /// The refusal of a password given as an argument (`--password X`).
    static let refusal = ValidationError("""
        a password is never taken as an argument (it would be in the shell's history and in ps); \
        give --password-stdin and type it, or pipe it in, or leave both out for a generated one
        """)
}
