#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import RemoteServices
import TestSupport
import Testing

/// GoogleCredentials and GoogleCloudStorage against real servers on loopback:
///
/// - the storage calls go to a REAL Cloud Storage emulator (`gcp-storage-emulator` from PyPI,
///   installed into .venv by scripts/setup), started per test on a free port with an in-memory
///   store and a bucket of its own, and killed with SIGKILL at the end. It implements the JSON
///   API's multipart upload, resumable upload (chunks, 308 Resume Incomplete, session status
///   queries), object metadata and media download;
/// - in front of it, `conformance/gcs_double.py`, a test double for what the emulator does not
///   do: it checks the bearer token on every request (the emulator ignores auth) and injects
///   faults (an HTTP status like 403 or 503 as Cloud Storage would answer it, or a connection
///   dropped before or after the emulator got the request); everything else it passes on
///   untouched. The same script is the OAuth2 token endpoint, which VERIFIES the JWT's RS256
///   signature with `openssl dgst -sha256 -verify` and its claims, and the GCE metadata server.
///
/// The RSA key of the service account is made for each test with `openssl genpkey`. A missing
/// Python, emulator or openssl fails the test (it never skips): run scripts/setup.
@Suite(.serialized) struct GoogleCloudStorageTests {
    static let packageRoot = ExternalTools.packageRoot
    typealias MissingTool = ExternalTools.Missing
    static func python() throws -> String { try ExternalTools.python() }
    static func tool(_ name: String) throws -> String { try ExternalTools.tool(name) }
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String { try ExternalTools.run(executable, arguments) }

    static func scratch() throws -> String { try ExternalTools.temporaryDirectory("gcs").path }

    /// The emulator: `python -m gcp_storage_emulator start` (the CLI of `gcp-storage-emulator`).
    final class Emulator {
        let port: Int
        let bucket: String
        var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

        init(bucket: String = "sendit-test") throws {
            self.bucket = bucket
            let python = try GoogleCloudStorageTests.python()
            folder = try GoogleCloudStorageTests.scratch()
            let errors = folder + "/emulator.err"
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            // The CLI wants a port: ask the system for a free one; another process may take
            // it first, so a failed start is tried again on a new port.
            var lastError = ""
            for _ in 0..<3 {
                let port = Int(try GoogleCloudStorageTests.run(python, ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
                    .trimmingCharacters(in: .whitespacesAndNewlines))!
                let process = Process()
                process.executableURL = URL(fileURLWithPath: python)
                process.arguments = ["-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1", "--port", String(port),
                                     "--in-memory", "--default-bucket", bucket, "-q"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
                try process.run()
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, process.isRunning {
                    if case .answer(200, _) = HTTPCall.perform("GET", URL(string: "http://127.0.0.1:\(port)/")!, timeout: 1) {
                        self.port = port
                        self.processRef = process
                        return
                    }
                    usleep(50_000)
                }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                lastError = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            }
            try? FileManager.default.removeItem(atPath: folder)
            throw MissingTool(description: "gcp-storage-emulator did not start (run scripts/setup to install it): \(lastError.suffix(500))")
        }

        private var processRef: Process?
        private let folder: String

        deinit {
            if let processRef {
                // SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.
                kill(processRef.processIdentifier, SIGKILL)
                processRef.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// conformance/gcs_double.py with its arguments; `requests` is its log.
    final class TestDouble {
        let double: HTTPDouble
        var port: Int { double.port }
        var url: URL { double.url }
        var tokenURI: String { "http://127.0.0.1:\(port)/token" }
        var requests: [[String: Any]] { double.requests }

        init(_ arguments: [String]) throws { double = try HTTPDouble("gcs_double.py", arguments) }

        func requests(_ kind: String) -> [[String: Any]] { requests.filter { $0["kind"] as? String == kind } }
    }

    /// A throw-away service account: an RSA key from openssl, its public half for the double,
    /// and the key file whose token_uri is the double's.
    final class Account {
        let privateKey: String
        let publicKeyPath: String
        let folder: String
        let email = "sendit-test@sendit-project.iam.gserviceaccount.com"
        let keyID = "0123456789abcdef0123456789abcdef01234567"

        init() throws {
            let openssl = try GoogleCloudStorageTests.tool("openssl")
            folder = try GoogleCloudStorageTests.scratch()
            try GoogleCloudStorageTests.run(openssl, ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", folder + "/key.pem"])
            publicKeyPath = folder + "/public.pem"
            try GoogleCloudStorageTests.run(openssl, ["pkey", "-in", folder + "/key.pem", "-pubout", "-out", publicKeyPath])
            privateKey = try String(contentsOfFile: folder + "/key.pem", encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        func doubleArguments() -> [String] { ["--public-key", publicKeyPath, "--client-email", email, "--kid", keyID] }

        /// Writes a key file; `fields` replace or add fields.
        func keyFile(tokenURI: String, _ fields: [String: String] = [:]) throws -> String {
            var object: [String: String] = [
                "type": "service_account", "project_id": "sendit-project", "private_key_id": keyID, "private_key": privateKey,
                "client_email": email, "client_id": "1234567890", "token_uri": tokenURI,
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            ]
            object.merge(fields) { $1 }
            let path = folder + "/key-\(UUID().uuidString).json"
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    static func bytes(_ count: Int, seed: UInt64 = 1) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state)
        }
        return Data(bytes)
    }

    /// Runs the body, failing the test (not skipping it) when a tool is missing.
    func withTools(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let missing as MissingTool {
            Issue.record("\(missing)")
        }
    }

    static func storageRequests(_ double: TestDouble) -> [[String: Any]] { double.requests("storage") }

    // MARK: - Uploads

    @Test func aSmallObjectIsOneMultipartRequestAndReadsBackWithItsMetadata() throws {
        try withTools {
            let emulator = try Emulator()
            let double = try TestDouble(["--upstream", emulator.url.absoluteString])
            let storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            let bytes = Self.bytes(100_000)
            let metadata = ["StudyInstanceUID": "1.2.840.1234.5", "sendit-series": "CT, 3 mm / axial"]
            let name = "studies/1.2.840.1234.5/series 1/image 1.dcm"
            let created = try storage.upload(name, bytes, contentType: "application/dicom", metadata: metadata)
            #expect(created.name == name && created.bucket == emulator.bucket && created.size == 100_000)
            #expect(created.md5Hash != nil && created.crc32c != nil && created.generation != nil)
            #expect(created.metadata == metadata)

            let uploads = Self.storageRequests(double)
            #expect(uploads.count == 1)  // so far
            #expect(uploads.first?["method"] as? String == "POST")
            #expect((uploads.first?["path"] as? String)?.hasSuffix("/upload/storage/v1/b/sendit-test/o?uploadType=multipart") == true)
            #expect((uploads.first?["contentType"] as? String)?.hasPrefix("multipart/related; boundary=") == true)
            #expect(uploads.first?["auth"] is NSNull)

            let read = try storage.objectMetadata(name)
            #expect(read.metadata == metadata && read.contentType == "application/dicom" && read.size == 100_000)
            #expect(read.md5Hash == created.md5Hash && read.generation == created.generation)
            #expect(try storage.download(name) == bytes)

            // Metadata beyond Latin-1 is JSON like the rest (read back with objectMetadata only:
            // the emulator cannot download such an object, it fails writing the value as an
            // x-goog-meta- header and drops the connection).
            let unicode = ["note": "ünïcode ✓ 日本"]
            #expect(try storage.upload("unicode metadata", Data([1, 2]), contentType: "text/plain", metadata: unicode).metadata == unicode)
            #expect(try storage.objectMetadata("unicode metadata").metadata == unicode)

            // The same, straight to the emulator, with no double in between.
            let direct = GoogleCloudStorage(bucket: emulator.bucket, endpoint: emulator.url, tokens: nil)
            let other = Self.bytes(5000, seed: 2) + Data("\r\n--sendit-\r\n".utf8) + Self.bytes(5000, seed: 3)
            try direct.upload("direct/small.bin", other, contentType: "application/octet-stream", metadata: ["k": "v"])
            #expect(try direct.download("direct/small.bin") == other)
            #expect(try direct.objectMetadata("direct/small.bin").metadata == ["k": "v"])
            // An empty object.
            try direct.upload("direct/empty", Data(), contentType: "application/octet-stream")
            #expect(try direct.download("direct/empty") == Data() && direct.objectMetadata("direct/empty").size == 0)
        }
    }

    @Test func aLargeObjectIsAResumableUploadInChunksOf256KiBMultiples() throws {
        try withTools {
            let emulator = try Emulator()
            let double = try TestDouble(["--upstream", emulator.url.absoluteString])
            var storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            storage.multipartThreshold = 256 * 1024
            storage.chunkSize = 300_000  // rounded down to 262144
            let bytes = Self.bytes(1_000_000, seed: 7)
            let created = try storage.upload("large/one megabyte.bin", bytes, contentType: "application/dicom", metadata: ["kind": "large"])
            #expect(created.size == 1_000_000 && created.name == "large/one megabyte.bin" && created.md5Hash != nil)

            let requests = Self.storageRequests(double)
            #expect(requests.first?["method"] as? String == "POST")
            #expect((requests.first?["path"] as? String)?.hasSuffix("/o?uploadType=resumable") == true)
            #expect((requests.first?["contentType"] as? String)?.hasPrefix("application/json") == true)
            let puts = requests.dropFirst()
            #expect(puts.map { $0["contentRange"] as? String } == [
                "bytes 0-262143/1000000", "bytes 262144-524287/1000000", "bytes 524288-786431/1000000", "bytes 786432-999999/1000000",
            ])
            #expect(puts.map { $0["status"] as? Int } == [308, 308, 308, 200])
            #expect(puts.map { $0["length"] as? Int } == [262_144, 262_144, 262_144, 213_568])
            #expect(puts.allSatisfy { ($0["path"] as? String)?.contains("upload_id=") == true && $0["method"] as? String == "PUT" })

            #expect(try storage.download("large/one megabyte.bin") == bytes)
            #expect(try storage.objectMetadata("large/one megabyte.bin").metadata == ["kind": "large"])

            // Straight to the emulator: an object of exactly a chunk multiple, and one a byte over the threshold.
            var direct = GoogleCloudStorage(bucket: emulator.bucket, endpoint: emulator.url, tokens: nil)
            direct.multipartThreshold = 256 * 1024
            direct.chunkSize = 256 * 1024
            for size in [512 * 1024, 256 * 1024 + 1] {
                let data = Self.bytes(size, seed: UInt64(size))
                try direct.upload("direct/\(size)", data, contentType: "application/octet-stream")
                #expect(try direct.download("direct/\(size)") == data)
            }
        }
    }

    @Test func namesWithSpacesSlashesAndReservedCharactersArePercentEncoded() throws {
        try withTools {
            let emulator = try Emulator()
            let double = try TestDouble(["--upstream", emulator.url.absoluteString])
            var storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            storage.multipartThreshold = 256 * 1024
            let names = ["a b/c d.dcm", "dir/sub/x+y%z?q=1#frag&.dcm", "été/ü 1 .dcm", "1.2.840.10008/1.2.3/1.2.3.4.dcm"]
            for (n, name) in names.enumerated() {
                for size in [1000, 300_000] {  // multipart and resumable
                    let object = "\(name)-\(size)"
                    let bytes = Self.bytes(size, seed: UInt64(n * 10 + size))
                    #expect(try storage.upload(object, bytes, contentType: "application/dicom").name == object)
                    #expect(try storage.objectMetadata(object).name == object)
                    #expect(try storage.download(object) == bytes)
                }
            }
            let paths = Self.storageRequests(double).filter { $0["method"] as? String == "GET" }.compactMap { $0["path"] as? String }
            #expect(paths.contains("/storage/v1/b/sendit-test/o/a%20b%2Fc%20d.dcm-1000"))
            #expect(paths.contains("/storage/v1/b/sendit-test/o/dir%2Fsub%2Fx%2By%25z%3Fq%3D1%23frag%26.dcm-1000?alt=media"))
            #expect(paths.contains("/storage/v1/b/sendit-test/o/%C3%A9t%C3%A9%2F%C3%BC%201%20.dcm-300000"))
            // A name Cloud Storage does not allow is refused before any request.
            for bad in ["", "line\nbreak", String(repeating: "x", count: 1025)] {
                #expect(throws: GoogleCloudError.self) { try storage.upload(bad, Data([1]), contentType: "application/octet-stream") }
            }
        }
    }

    @Test func anInterruptedResumableUploadGoesOnFromWhatTheSessionHas() throws {
        try withTools {
            let emulator = try Emulator()
            // Chunk 2 is lost on the way (the emulator never sees it), chunk 3 reaches the
            // emulator but its answer is lost, chunk 4 is answered 503 once.
            let double = try TestDouble(["--upstream", emulator.url.absoluteString,
                                     "--fault", "^PUT .* bytes 262144-|drop-before",
                                     "--fault", "^PUT .* bytes 524288-|drop-after",
                                     "--fault", "^PUT .* bytes 786432-|503"])
            var storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            storage.multipartThreshold = 256 * 1024
            storage.chunkSize = 256 * 1024
            storage.resumePause = 0.05
            let bytes = Self.bytes(1_000_000, seed: 11)
            let created = try storage.upload("resumed.bin", bytes, contentType: "application/octet-stream", metadata: ["try": "again"])
            #expect(created.size == 1_000_000)
            #expect(try storage.download("resumed.bin") == bytes)
            #expect(try storage.objectMetadata("resumed.bin").metadata == ["try": "again"])

            let puts = Self.storageRequests(double).filter { $0["method"] as? String == "PUT" }
            #expect(puts.map { $0["contentRange"] as? String ?? "" } == [
                "bytes 0-262143/1000000",
                "bytes 262144-524287/1000000",  // dropped before the emulator
                "bytes */1000000",  // the session has 262144
                "bytes 262144-524287/1000000",
                "bytes 524288-786431/1000000",  // the emulator has it, the answer is lost
                "bytes */1000000",  // the session has 786432
                "bytes 786432-999999/1000000",  // 503
                "bytes */1000000",  // still 786432
                "bytes 786432-999999/1000000",
            ])
            #expect(puts.compactMap { $0["range"] as? String }.filter { !$0.isEmpty } == [
                "bytes=0-262143", "bytes=0-262143", "bytes=0-524287", "bytes=0-786431", "bytes=0-786431",
            ])
            #expect(puts.last?["status"] as? Int == 200)
        }
    }

    @Test func aResumableUploadThatKeepsFailingGivesUpAsTransient() throws {
        try withTools {
            let emulator = try Emulator()
            let double = try TestDouble(["--upstream", emulator.url.absoluteString, "--fault", "^PUT .* bytes 262144-|503|100"])
            var storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            storage.multipartThreshold = 256 * 1024
            storage.chunkSize = 256 * 1024
            storage.resumePause = 0.01
            storage.resumeAttempts = 2
            do {
                try storage.upload("doomed.bin", Self.bytes(600_000), contentType: "application/octet-stream")
                Issue.record("the upload succeeded")
            } catch let error as GoogleCloudError {
                #expect(error.isTransient && error.status == 503)
                #expect(error.message.contains("HTTP 503") && error.message.contains("gave up after 2"))
            }
            // The first chunk, then (the second chunk, answered 503, and a status query) for each attempt, and the third try.
            let puts = Self.storageRequests(double).filter { $0["method"] as? String == "PUT" }
            #expect(puts.count == 6)
        }
    }

    @Test func bytesChangedOnTheWayAreRefusedByTheirMD5() throws {
        try withTools {
            let emulator = try Emulator()
            let double = try TestDouble(["--upstream", emulator.url.absoluteString,
                                         "--fault", "uploadType=multipart |corrupt", "--fault", "^PUT .* bytes 262144-|corrupt"])
            var storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            storage.multipartThreshold = 256 * 1024
            storage.chunkSize = 256 * 1024
            for (name, size) in [("corrupt-small", 100_000), ("corrupt-large", 400_000)] {
                do {
                    try storage.upload(name, Self.bytes(size), contentType: "application/octet-stream")
                    Issue.record("\(name): a changed byte went unnoticed")
                } catch let error as GoogleCloudError {
                    #expect(error.status == 400 && error.message.contains("MD5"), "\(error)")
                }
                #expect(throws: GoogleCloudError.self) { try storage.objectMetadata(name) }
            }
            #expect(Self.storageRequests(double).filter { $0["fault"] as? String == "corrupt" }.count == 2)
        }
    }

    @Test func refusalsArePermanentAndOutagesTransient() throws {
        try withTools {
            let emulator = try Emulator()
            let statuses = [403, 503, 429, 408, 400, 500, 401]
            let double = try TestDouble(["--upstream", emulator.url.absoluteString]
                + statuses.flatMap { ["--fault", "uploadType=multipart|\($0)"] }
                + ["--fault", "uploadType=resumable|403"])
            var storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            storage.multipartThreshold = 256 * 1024
            for status in statuses {
                do {
                    try storage.upload("refused.dcm", Data([1, 2, 3]), contentType: "application/dicom")
                    Issue.record("HTTP \(status) was taken for a success")
                } catch let error as GoogleCloudError {
                    #expect(error.status == status)
                    #expect(error.isTransient == [503, 429, 408, 500].contains(status), "HTTP \(status)")
                    #expect(error.message.contains("HTTP \(status)") && error.message.contains("injected by the test double")
                            && error.message.contains("gs://sendit-test/refused.dcm"))
                }
            }
            // Opening a resumable session refused.
            do {
                try storage.upload("refused-large.dcm", Self.bytes(300_000), contentType: "application/dicom")
                Issue.record("a refused session was taken for a success")
            } catch let error as GoogleCloudError {
                #expect(error.status == 403 && !error.isTransient && error.message.contains("resumable session"))
            }
            // The emulator's own refusals: a bucket that does not exist, an object that does not.
            let missing = GoogleCloudStorage(bucket: "no-such-bucket", endpoint: emulator.url, tokens: nil)
            do {
                try missing.upload("x", Data([1]), contentType: "application/octet-stream")
                Issue.record("an upload to a missing bucket was taken for a success")
            } catch let error as GoogleCloudError {
                #expect(error.status == 404 && !error.isTransient)
            }
            do {
                _ = try storage.objectMetadata("never uploaded")
                Issue.record("a missing object has metadata")
            } catch let error as GoogleCloudError {
                #expect(error.status == 404 && !error.isTransient)
            }
            #expect(throws: GoogleCloudError.self) { try storage.download("never uploaded") }
            // No answer at all: the emulator is gone.
            let port = emulator.port
            _ = consume emulator
            let gone = GoogleCloudStorage(bucket: "sendit-test", endpoint: URL(string: "http://127.0.0.1:\(port)")!, tokens: nil)
            do {
                try gone.upload("x", Data([1]), contentType: "application/octet-stream")
                Issue.record("an upload with no server was taken for a success")
            } catch let error as GoogleCloudError {
                #expect(error.isTransient && error.status == nil)
            }
        }
    }
}

extension GoogleCredentials.Source {
    var metadataBase: URL? {
        if case .metadataServer(let url) = self { return url }
        return nil
    }
}
