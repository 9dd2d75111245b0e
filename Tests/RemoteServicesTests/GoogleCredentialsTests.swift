#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import RemoteServices
import TestSupport
import Testing

/// GoogleCredentials: the service account's JWT, the token endpoint and the metadata server,
/// against the test double (conformance/gcs_double.py) and the emulator of
/// GoogleCloudStorageTests, whose helpers these tests share.
extension GoogleCloudStorageTests {
    @Test func theServiceAccountJWTIsVerifiedAndOneTokenServesEveryRequest() throws {
        try withTools {
            let account = try Account()
            let emulator = try Emulator()
            let double = try TestDouble(["--upstream", emulator.url.absoluteString, "--require-token", "--token", "ya29.verified-token"]
                + account.doubleArguments())
            let keyFile = try account.keyFile(tokenURI: double.tokenURI)
            let credentials = try GoogleCredentials.fromEnvironment(["GOOGLE_APPLICATION_CREDENTIALS": keyFile])
            guard case .serviceAccount(let parsed) = credentials.source else {
                Issue.record("GOOGLE_APPLICATION_CREDENTIALS did not give a service account")
                return
            }
            #expect(parsed.clientEmail == account.email && parsed.privateKeyID == account.keyID && parsed.tokenURI.absoluteString == double.tokenURI)
            var storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: credentials)
            storage.multipartThreshold = 256 * 1024
            storage.chunkSize = 256 * 1024
            for n in 1...3 {
                try storage.upload("token/\(n).dcm", Self.bytes(2000 * n, seed: UInt64(n)), contentType: "application/dicom")
            }
            let large = Self.bytes(700_000, seed: 99)
            try storage.upload("token/large.dcm", large, contentType: "application/dicom")
            #expect(try storage.download("token/large.dcm") == large)
            #expect(try storage.objectMetadata("token/2.dcm").size == 4000)

            let tokens = double.requests("token")
            #expect(tokens.count == 1 && credentials.tokenRequests == 1)
            let token = try #require(tokens.first)
            #expect(token["verified"] as? Bool == true, "\(token["reason"] ?? "")")
            #expect(token["formContentType"] as? String == "application/x-www-form-urlencoded")
            let claims = token["claims"] as? [String: Any] ?? [:]
            #expect(claims["iss"] as? String == account.email)
            #expect(claims["aud"] as? String == double.tokenURI)
            #expect(claims["scope"] as? String == "https://www.googleapis.com/auth/devstorage.read_write")
            #expect((token["header"] as? [String: Any])?["kid"] as? String == account.keyID)
            let calls = Self.storageRequests(double)
            #expect(calls.count == 3 + 1 + 3 + 2)  // 3 multipart; open, 3 chunks; download, metadata
            #expect(calls.allSatisfy { $0["auth"] as? String == "Bearer ya29.verified-token" && $0["status"] as? Int != 401 })

            // Without the token the double refuses, as Cloud Storage does: permanent.
            let anonymous = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: nil)
            do {
                _ = try anonymous.download("token/1.dcm")
                Issue.record("the double let a request without a token through")
            } catch let error as GoogleCloudError {
                #expect(error.status == 401 && !error.isTransient)
            }
        }
    }

    /// A DICOMweb destination that is a Cloud Healthcare DICOM store: the same service account,
    /// the Cloud Healthcare scope, verified by the token double (which then refuses Cloud
    /// Storage's scope), and the token as DICOMweb's bearer.
    @Test func theCloudHealthcareScopeIsAskedForByTheDICOMwebDestination() throws {
        try withTools {
            let account = try Account()
            let double = try TestDouble(account.doubleArguments() + ["--scope", GoogleCredentials.healthcareScope, "--token", "ya29.healthcare"])
            let keyFile = try account.keyFile(tokenURI: double.tokenURI)
            let credentials = try GoogleCredentials.fromEnvironment(["GOOGLE_APPLICATION_CREDENTIALS": keyFile], scope: GoogleCredentials.healthcareScope)
            #expect(try DICOMwebAuthorization.google(credentials).header() == "Bearer ya29.healthcare")
            let token = try #require(double.requests("token").first)
            #expect(token["verified"] as? Bool == true, "\(token["reason"] ?? "")")
            #expect((token["claims"] as? [String: Any])?["scope"] as? String == "https://www.googleapis.com/auth/cloud-healthcare")
            do {
                _ = try GoogleCredentials(serviceAccountFile: keyFile).accessToken()
                Issue.record("the double took Cloud Storage's scope for the Cloud Healthcare one")
            } catch let error as GoogleCloudError {
                #expect(error.status == 400 && !error.isTransient)
            }
        }
    }

    @Test func aKeyTheEndpointCannotVerifyIsAPermanentRefusalAndAnOutageTransient() throws {
        try withTools {
            let account = try Account()
            let stranger = try Account()  // the double knows the other key only
            let double = try TestDouble(account.doubleArguments())
            let forged = try GoogleCredentials(serviceAccountFile: stranger.keyFile(tokenURI: double.tokenURI, ["private_key_id": account.keyID]))
            do {
                _ = try forged.accessToken()
                Issue.record("a JWT signed with another key was accepted")
            } catch let error as GoogleCloudError {
                #expect(error.status == 400 && !error.isTransient)
                #expect(error.message.contains("HTTP 400") && error.message.contains("invalid_grant") && error.message.contains(double.tokenURI))
            }
            #expect(double.requests("token").first?["verified"] as? Bool == false)
            // And the right key is accepted by the same endpoint.
            #expect(try GoogleCredentials(serviceAccountFile: account.keyFile(tokenURI: double.tokenURI)).accessToken() == "ya29.test-double-token")

            // An upload whose token cannot be had fails with the token's error.
            let storage = GoogleCloudStorage(bucket: "b", endpoint: double.url, tokens: forged)
            do {
                try storage.upload("x", Data([1]), contentType: "application/octet-stream")
                Issue.record("an upload without a token was made")
            } catch let error as GoogleCloudError {
                #expect(error.status == 400 && !error.isTransient)
            }

            let down = try TestDouble(account.doubleArguments() + ["--token-status", "503"])
            do {
                _ = try GoogleCredentials(serviceAccountFile: account.keyFile(tokenURI: down.tokenURI)).accessToken()
                Issue.record("a 503 gave a token")
            } catch let error as GoogleCloudError {
                #expect(error.status == 503 && error.isTransient && error.message.contains("HTTP 503"))
            }
            let port = down.port
            _ = consume down
            do {
                _ = try GoogleCredentials(serviceAccountFile: account.keyFile(tokenURI: "http://127.0.0.1:\(port)/token")).accessToken()
                Issue.record("no server gave a token")
            } catch let error as GoogleCloudError {
                #expect(error.isTransient && error.status == nil)
            }
        }
    }

    @Test func credentialsFilesThatCannotServeSayWhy() throws {
        try withTools {
            let account = try Account()
            func failure(_ path: String) -> GoogleCloudError? {
                do {
                    _ = try GoogleCredentials(serviceAccountFile: path)
                    return nil
                } catch { return error as? GoogleCloudError }
            }
            let missing = failure(account.folder + "/nothing.json")
            #expect(missing?.message.contains("cannot read the Google credentials file \(account.folder)/nothing.json") == true)
            #expect(missing?.isTransient == false)
            let user = failure(try account.keyFile(tokenURI: "http://127.0.0.1:1/token", ["type": "authorized_user"]))
            #expect(user?.message.contains("not a service account key (\"type\" is \"authorized_user\"") == true)
            let badKey = failure(try account.keyFile(tokenURI: "http://127.0.0.1:1/token", ["private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]))
            #expect(badKey?.message.contains("\"private_key\" is not a PEM RSA private key") == true)
            let noEmail = failure(try account.keyFile(tokenURI: "http://127.0.0.1:1/token", ["client_email": ""]))
            #expect(noEmail?.message.contains("\"client_email\" is missing") == true)
            let notJSON = account.folder + "/not.json"
            try Data("nope".utf8).write(to: URL(fileURLWithPath: notJSON))
            #expect(failure(notJSON)?.message.contains("not a JSON object") == true)
            #expect(throws: GoogleCloudError.self) { try GoogleCredentials.fromEnvironment(["GOOGLE_APPLICATION_CREDENTIALS": notJSON]) }
        }
    }

    @Test func theMetadataServerTokenIsAskedForWithItsHeaderAndKeptUntilItsLastMinute() throws {
        try withTools {
            let emulator = try Emulator()
            let double = try TestDouble(["--upstream", emulator.url.absoluteString, "--require-token", "--token", "ya29.metadata", "--expires-in", "3599"])
            // No key file: the metadata server, here at GCE_METADATA_HOST.
            let credentials = try GoogleCredentials.fromEnvironment(["GCE_METADATA_HOST": "127.0.0.1:\(double.port)"])
            guard case .metadataServer(let base) = credentials.source else {
                Issue.record("no key file did not give the metadata server")
                return
            }
            #expect(base.absoluteString == "http://127.0.0.1:\(double.port)")
            final class Clock: @unchecked Sendable { var now = Date() }
            let clock = Clock()
            credentials.now = { clock.now }
            let storage = GoogleCloudStorage(bucket: emulator.bucket, endpoint: double.url, tokens: credentials)
            try storage.upload("m/1", Data([1]), contentType: "application/octet-stream")
            clock.now += 3538  // 61 s before it expires: still good
            try storage.upload("m/2", Data([2]), contentType: "application/octet-stream")
            #expect(double.requests("metadata").count == 1)
            clock.now += 3  // 58 s before: a new one
            try storage.upload("m/3", Data([3]), contentType: "application/octet-stream")
            let asked = double.requests("metadata")
            #expect(asked.count == 2 && credentials.tokenRequests == 2)
            #expect(asked.allSatisfy { $0["flavor"] as? String == "Google" && $0["status"] as? Int == 200 && $0["method"] as? String == "GET" })
            #expect(Self.storageRequests(double).allSatisfy { $0["auth"] as? String == "Bearer ya29.metadata" && $0["status"] as? Int == 200 })
            // The injectable base URL, without the environment.
            #expect(try GoogleCredentials(metadataServer: double.url).accessToken() == "ya29.metadata")
            #expect(try GoogleCredentials.fromEnvironment([:]).source.metadataBase == GoogleCredentials.defaultMetadataServer)
        }
    }

    @Test func theJWTIsBase64URLWithoutPaddingAndSignedRS256() throws {
        try withTools {
            let account = try Account()
            let credentials = try GoogleCredentials(serviceAccountFile: account.keyFile(tokenURI: "https://oauth2.googleapis.com/token"))
            guard case .serviceAccount(let parsed) = credentials.source else { return }
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            let jwt = try GoogleCredentials.assertion(parsed, now: now)
            let parts = jwt.split(separator: ".").map(String.init)
            #expect(parts.count == 3 && !jwt.contains("=") && !jwt.contains("+") && !jwt.contains("/"))
            func decode(_ s: String) -> Data? {
                var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                while t.count % 4 != 0 { t += "=" }
                return Data(base64Encoded: t)
            }
            let header = try #require(decode(parts[0]).flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] })
            #expect(header["alg"] as? String == "RS256" && header["typ"] as? String == "JWT" && header["kid"] as? String == account.keyID)
            let claims = try #require(decode(parts[1]).flatMap { try JSONSerialization.jsonObject(with: $0) as? [String: Any] })
            #expect(claims["iat"] as? Int == 1_700_000_000 && claims["exp"] as? Int == 1_700_003_600)
            #expect(claims["aud"] as? String == "https://oauth2.googleapis.com/token" && claims["iss"] as? String == account.email)
            // openssl checks the signature, as Google does.
            let signature = try #require(decode(parts[2]))
            #expect(signature.count == 256)
            try Data((parts[0] + "." + parts[1]).utf8).write(to: URL(fileURLWithPath: account.folder + "/input"))
            try signature.write(to: URL(fileURLWithPath: account.folder + "/signature"))
            let verified = try Self.run(Self.tool("openssl"), ["dgst", "-sha256", "-verify", account.publicKeyPath,
                                                              "-signature", account.folder + "/signature", account.folder + "/input"])
            #expect(verified.contains("Verified OK"))
        }
    }
}
