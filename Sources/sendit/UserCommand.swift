import ArgumentParser
import Foundation
import SenditIndex
import SenditWeb

/// `sendit user add|list|remove|passwd`: the web pages' users. Passwords are kept only as bcrypt
/// hashes (cost 12); each change is in the audit trail, with the actor `cli:<login name>`.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, list, remove web users, or change a password.",
        discussion: """
            Roles: viewer (reads), operator (also retry, release, drop, force-complete), admin
            (everything, the settings page). With --password-stdin a password is read from
            standard input: typed at a terminal (not echoed, asked twice) or one line from a pipe;
            else a random one is made and printed once. Never as an argument. Changing a password
            or removing a user ends their sessions.
            """,
        subcommands: [Add.self, List.self, Remove.self, Passwd.self])

    static func actor() -> String { "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "unknown") }

    static func password(fromStdin: Bool) throws -> (password: String, generated: Bool) {
        if fromStdin { return (try PasswordInput.read(), false) }
        return (Secrets.random(), true)
    }

    static func validName(_ name: String) throws {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "._-@".contains($0) }),
              name != "shared", !name.hasPrefix("token:"), !name.hasPrefix("cli:") else {
            throw ValidationError("a user name is 1 to 64 letters, digits, . _ - @ (not \"shared\", which is the LOCKDOWN_PASSWORDS login)")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user.")
        @OptionGroup var configurationOptions: ConfigurationOptions
        @Argument(help: "The user name.") var name: String
        @Option(help: "viewer, operator or admin.") var role: AccessRole = .viewer
        @Flag(help: "Read the password from standard input (else one is made and printed once).") var passwordStdin = false
        @Option(help: .hidden) var password: String?

        func validate() throws { if password != nil { throw PasswordInput.refusal } }

        func run() throws {
            try UserCommand.validName(name)
            let database = try PipelineWiring(try configurationOptions.resolve(), existing: false).database
            let (password, generated) = try UserCommand.password(fromStdin: passwordStdin)
            let hash: String
            do { hash = try Secrets.hashPassword(password) } catch { throw ValidationError("\(error)") }
            let now = Date()
            do {
                try database.addUser(WebUser(name: name, role: role, passwordHash: hash, createdAt: now, updatedAt: now),
                                     audit: AuditEntry(at: now, actor: UserCommand.actor(), address: "-", action: .userAdded, target: name,
                                                       detail: role.rawValue))
            } catch let error as AccessError { throw ValidationError("\(error)") }
            print("user \(name) added (\(role.rawValue))")
            if generated { print("password (shown once): \(password)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users.")
        @OptionGroup var configurationOptions: ConfigurationOptions

        func run() throws {
            let database = try PipelineWiring(try configurationOptions.resolve(), existing: true).database
            for user in try database.users() { print("\(user.name)\t\(user.role.rawValue)\tsince \(user.createdAt)") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user (and end their sessions).")
        @OptionGroup var configurationOptions: ConfigurationOptions
        @Argument(help: "The user name.") var name: String

        func run() throws {
            let database = try PipelineWiring(try configurationOptions.resolve(), existing: true).database
            let audit = AuditEntry(at: Date(), actor: UserCommand.actor(), address: "-", action: .userRemoved, target: name)
            guard try database.removeUser(named: name, audit: audit) else { throw ValidationError("no user \(name)") }
            print("user \(name) removed")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Change a user's password (and end their sessions).")
        @OptionGroup var configurationOptions: ConfigurationOptions
        @Argument(help: "The user name.") var name: String
        @Flag(help: "Read the password from standard input (else one is made and printed once).") var passwordStdin = false
        @Option(help: .hidden) var password: String?

        func validate() throws { if password != nil { throw PasswordInput.refusal } }

        func run() throws {
            let database = try PipelineWiring(try configurationOptions.resolve(), existing: true).database
            let (password, generated) = try UserCommand.password(fromStdin: passwordStdin)
            let hash: String
            do { hash = try Secrets.hashPassword(password) } catch { throw ValidationError("\(error)") }
            let now = Date()
            let audit = AuditEntry(at: now, actor: UserCommand.actor(), address: "-", action: .passwordChanged, target: name)
            guard try database.changePassword(user: name, passwordHash: hash, now: now, audit: audit) else { throw ValidationError("no user \(name)") }
            print("password of \(name) changed")
            if generated { print("password (shown once): \(password)") }
        }
    }
}

extension AccessRole: ExpressibleByArgument {}
