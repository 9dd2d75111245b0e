import ArgumentParser
import Foundation
import SenditIndex
import SenditWeb

/// `sendit token add|list|remove`: bearer tokens for the JSON API. A token is printed once, when
/// made; the index keeps only its SHA-256 digest.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Add, list or remove API tokens (Authorization: Bearer TOKEN).",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token; it is printed once.")
        @OptionGroup var configurationOptions: ConfigurationOptions
        @Argument(help: "A name for it (who or what uses it).") var name: String
        @Option(help: "viewer, operator or admin.") var role: AccessRole = .viewer

        func run() throws {
            try UserCommand.validName(name)
            let database = try PipelineWiring(try configurationOptions.resolve(), existing: false).database
            let secret = Secrets.random(), now = Date()
            do {
                try database.addToken(APIToken(name: name, role: role, digest: Secrets.digest(secret), createdAt: now),
                                      audit: AuditEntry(at: now, actor: UserCommand.actor(), address: "-", action: .tokenAdded,
                                                        target: name, detail: role.rawValue))
            } catch let error as AccessError { throw ValidationError("\(error)") }
            print("token \(name) added (\(role.rawValue)); it is shown once:")
            print(secret)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tokens (names and roles; never the tokens).")
        @OptionGroup var configurationOptions: ConfigurationOptions

        func run() throws {
            let database = try PipelineWiring(try configurationOptions.resolve(), existing: true).database
            for t in try database.tokens() {
                print("\(t.name)\t\(t.role.rawValue)\tsince \(t.createdAt)\tlast used \(t.lastUsedAt.map { "\($0)" } ?? "never")")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a token; it stops working at once.")
        @OptionGroup var configurationOptions: ConfigurationOptions
        @Argument(help: "The token's name.") var name: String

        func run() throws {
            let database = try PipelineWiring(try configurationOptions.resolve(), existing: true).database
            let audit = AuditEntry(at: Date(), actor: UserCommand.actor(), address: "-", action: .tokenRemoved, target: name)
            guard try database.removeToken(named: name, audit: audit) else { throw ValidationError("no token \(name)") }
            print("token \(name) removed")
        }
    }
}
