import Foundation
import SenditIndex
import SenditWeb
import Testing
import TestSupport

/// `sendit user add|passwd` through the executable: a password piped in is one line, and a
/// password as an argument is refused.
@Suite struct UserCommandTests {
    let root: String
    let config: String

    init() throws {
        root = try ExternalTools.temporaryDirectory("user").path
        config = root + "/sendit.conf"
        try """
            DATA_FOLDER=\(root)/data
            DATABASE=\(root)/sendit.db
            QUARANTINE_FOLDER=\(root)/var/quarantine
            OUTBOX_FOLDER=\(root)/var/outbox
            SECRETS_FILE=\(root)/var/secrets
            SEND_TO_ORTHANC=false

            """.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func sendit(_ args: [String], input: String? = nil) throws -> ExternalTools.Output {
        try ExternalTools.launch(DumpCommandTests.sendit, args + ["--config", config], input: input.map { Data($0.utf8) } ?? Data())
    }

    func hash(_ name: String) throws -> String? {
        try IndexDatabase(path: root + "/sendit.db").user(named: name)?.passwordHash
    }

    @Test func aPipedPasswordIsOneLineAndNeverEchoed() throws {
        let added = try sendit(["user", "add", "pia", "--role", "operator", "--password-stdin"], input: "piped password 123\nsecond line\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(!added.text.contains("piped password") && !added.stderr.contains("piped password"))
        #expect(Secrets.verifyPassword("piped password 123", hash: try #require(try hash("pia"))))
        let changed = try sendit(["user", "passwd", "pia", "--password-stdin"], input: "another password 456\n")
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(Secrets.verifyPassword("another password 456", hash: try #require(try hash("pia"))))
        let empty = try sendit(["user", "passwd", "pia", "--password-stdin"], input: "")
        #expect(empty.status != 0 && empty.stderr.contains("no password on standard input"), "\(empty.stderr)")
        #expect(Secrets.verifyPassword("another password 456", hash: try #require(try hash("pia"))))
    }

    @Test func aPasswordAsAnArgumentIsRefused() throws {
        for args in [["user", "add", "max", "--password", "argument password 1"], ["user", "add", "max", "--password=argument password 1"]] {
            let refused = try sendit(args)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("a password is never taken as an argument"), "\(refused.stderr)")
        }
        #expect(try sendit(["user", "add", "pia", "--password-stdin"], input: "piped password 123\n").status == 0)
        let refused = try sendit(["user", "passwd", "pia", "--password", "argument password 1"])
        #expect(refused.status != 0 && refused.stderr.contains("a password is never taken as an argument"), "\(refused.stderr)")
        #expect(try hash("max") == nil)
        #expect(Secrets.verifyPassword("piped password 123", hash: try #require(try hash("pia"))))
    }
}
