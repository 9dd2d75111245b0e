import Foundation
@testable import RemoteServices
import Testing

/// The DICOMweb client's pure parts: the STOW-RS body, the STOW-RS and QIDO-RS answers (well
/// formed, hostile, malformed), the Authorization header.
@Suite struct DICOMwebTests {
    static func scratch() throws -> String {
        let folder = NSTemporaryDirectory() + "sendit-dicomweb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Splits a multipart/related body at its delimiters (RFC 2046): the parts' headers and bytes.
    static func parts(_ body: Data, boundary: String) throws -> [(headers: String, bytes: Data)] {
        let delimiter = Data("--\(boundary)".utf8)
        #expect(body.starts(with: delimiter + Data("\r\n".utf8)), "the body starts with the first delimiter, no preamble")
        #expect(body.suffix(delimiter.count + 6) == Data("\r\n".utf8) + delimiter + Data("--\r\n".utf8), "it ends with the close-delimiter")
        var out: [(String, Data)] = []
        var rest = body[body.startIndex...]
        rest = rest.dropFirst(delimiter.count + 2)
        let next = Data("\r\n".utf8) + delimiter
        while let end = rest.range(of: next) {
            let part = rest[rest.startIndex..<end.lowerBound]
            let split = try #require(part.range(of: Data("\r\n\r\n".utf8)))
            out.append((String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self), Data(part[split.upperBound...])))
            rest = rest[end.upperBound...]
            if rest.starts(with: Data("--".utf8)) { break }
            rest = rest.dropFirst(2)
        }
        return out
    }

    @Test func theBodyHoldsEachFileAsOneApplicationDicomPartInOrder() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let contents = [Data(repeating: 7, count: 1000), Data("DICM\r\n--not-the-boundary\r\n\r\n".utf8), Data()]
        let paths = try contents.enumerated().map { n, data in
            let path = folder + "/\(n).dcm"
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
        let body = try STOWBody.write(paths: paths, to: folder + "/body")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/body"))
        #expect(Int64(bytes.count) == body.size)
        #expect(body.contentType == "multipart/related; type=\"application/dicom\"; boundary=\(body.boundary)")
        let parts = try Self.parts(bytes, boundary: body.boundary)
        #expect(parts.map(\.bytes) == contents)
        #expect(parts.allSatisfy { $0.headers == "Content-Type: application/dicom" })
    }

    @Test func aFileHoldingTheBoundaryGetsANewOne() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("xx--AAAA yy".utf8).write(to: URL(fileURLWithPath: folder + "/a.dcm"))
        var offered = ["AAAA", "BBBB"]
        let body = try STOWBody.write(paths: [folder + "/a.dcm"], to: folder + "/body", makeBoundary: { offered.removeFirst() })
        #expect(body.boundary == "BBBB")
        let parts = try Self.parts(try Data(contentsOf: URL(fileURLWithPath: folder + "/body")), boundary: "BBBB")
        #expect(parts.map(\.bytes) == [Data("xx--AAAA yy".utf8)])
        // A file that holds every boundary offered: refused, not sent broken.
        #expect(throws: STOWBody.Failure.self) {
            try STOWBody.write(paths: [folder + "/a.dcm"], to: folder + "/body", makeBoundary: { "AAAA" })
        }
    }

    @Test func anUnreadableFileIsAFailureNamingIt() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            _ = try STOWBody.write(paths: [folder + "/missing.dcm"], to: folder + "/body")
            Issue.record("a missing file made a body")
        } catch let failure as STOWBody.Failure {
            #expect(failure.description.contains("missing.dcm"))
        }
    }

    static func json(_ object: Any) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    static func item(_ uid: Any, reasonTag: String? = nil, reason: Any? = nil, extra: [String: Any] = [:]) -> [String: Any] {
        var item: [String: Any] = ["00081150": ["vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]], "00081155": ["vr": "UI", "Value": [uid]]]
        if let reasonTag, let reason { item[reasonTag] = ["vr": "US", "Value": [reason]] }
        return item.merging(extra) { a, _ in a }
    }

    @Test func aResponseNamesStoredInstancesWithWarningsAndFailedOnesWithReasons() throws {
        let body = Self.json([
            "00081190": ["vr": "UR", "Value": ["http://x/studies/1.2"]],
            "00081199": ["vr": "SQ", "Value": [Self.item("1.2.3"), Self.item("1.2.4", reasonTag: "00081196", reason: 0xB000)]],
            "00081198": ["vr": "SQ", "Value": [Self.item("1.2.5", reasonTag: "00081197", reason: 0xA700), Self.item("1.2.6")]],
        ])
        let response = try #require(STOWResponse.parse(body))
        #expect(response.referenced == ["1.2.3": nil, "1.2.4": 0xB000])
        #expect(response.failed == ["1.2.5": 0xA700, "1.2.6": nil])
        // An array of one data set, as some servers answer.
        #expect(STOWResponse.parse(Self.json([["00081199": ["vr": "SQ", "Value": [Self.item("1.2.3")]]]]))?.referenced.keys.sorted() == ["1.2.3"])
        // No sequences at all: a data set that names nothing.
        #expect(STOWResponse.parse(Self.json([String: Any]())) == STOWResponse())
    }

    @Test(arguments: [
        "", "not json", "<NativeDicomModel/>", "<html><body>Error</body></html>", "[]", "[{}, {}]", "42", "\"text\"",
        "{\"00081199\": ", "[[{}]]",
    ])
    func aBodyThatIsNotADICOMJSONDataSetIsNotParsed(_ text: String) {
        let parsed = STOWResponse.parse(Data(text.utf8))
        #expect(parsed == nil || parsed == STOWResponse(), "\(text)")
        if text == "[]" || text == "[{}, {}]" || text.hasPrefix("<") || text.isEmpty { #expect(parsed == nil) }
    }

    @Test func hostileItemsAreLeftOutAndValuesAreNeverKept() throws {
        let echo = "Zyxwerth^Quintana"
        let body = Self.json([
            "00081199": ["vr": "SQ", "Value": [
                Self.item(echo), Self.item(12345), Self.item("1.2.\u{0}3"), Self.item(String(repeating: "1", count: 65)),
                Self.item("1.2.7", reasonTag: "00081196", reason: "B000"), Self.item("1.2.8", reasonTag: "00081196", reason: 70000),
                Self.item("1.2.9", reasonTag: "00081196", reason: -1), Self.item("1.2.10", reasonTag: "00081196", reason: 1.5),
                "not an item", ["00081155": "not an attribute"], ["00081155": ["vr": "UI", "Value": "1.2.11"]],
                Self.item("1.2.12", extra: ["00100010": ["vr": "PN", "Value": [["Alphabetic": echo]]], "00000902": ["vr": "LO", "Value": [echo]]]),
            ]],
            "00081198": ["vr": "SQ", "Value": "not a list"],
            "00100010": ["vr": "PN", "Value": [["Alphabetic": echo]]],
        ])
        let response = try #require(STOWResponse.parse(body))
        #expect(response.referenced == ["1.2.7": nil, "1.2.8": nil, "1.2.9": nil, "1.2.10": nil, "1.2.12": nil])
        #expect(response.failed.isEmpty)
        #expect(!"\(response)".contains("Zyxwerth"))
        // Too large to be a batch's answer: not parsed at all.
        var huge = Data("{\"00081199\": {\"vr\": \"SQ\", \"Value\": [".utf8)
        huge.append(Data(repeating: 0x20, count: STOWResponse.largestParsed))
        huge.append(Data("]}}".utf8))
        #expect(STOWResponse.parse(huge) == nil)
    }

    @Test func aQIDOAnswerListsTheSOPInstanceUIDs() {
        let body = Self.json([
            ["00080018": ["vr": "UI", "Value": ["1.2.3"]], "00080016": ["vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]]],
            ["00080018": ["vr": "UI", "Value": ["1.2.4"]]],
            ["00080018": ["vr": "UI", "Value": ["Zyxwerth^Quintana"]]], ["00080018": ["vr": "UI"]], ["no": "uid"], "junk",
        ])
        #expect(DICOMwebClient.sopInstanceUIDs(fromQIDO: body) == ["1.2.3", "1.2.4"])
        #expect(DICOMwebClient.sopInstanceUIDs(fromQIDO: Data("[]".utf8)) == [])
        #expect(DICOMwebClient.sopInstanceUIDs(fromQIDO: Data()) == [])
        #expect(DICOMwebClient.sopInstanceUIDs(fromQIDO: Data(" \n".utf8)) == [])
        #expect(DICOMwebClient.sopInstanceUIDs(fromQIDO: Data("{\"00080018\": {}}".utf8)) == nil)
        #expect(DICOMwebClient.sopInstanceUIDs(fromQIDO: Data("<html>".utf8)) == nil)
    }

    struct Tokens: GoogleAccessTokenProvider {
        let token: String?
        func accessToken() throws -> String {
            guard let token else { throw GoogleCloudError("refused", status: 400, isTransient: false) }
            return token
        }
    }

    @Test func theAuthorizationHeaderForEachKind() throws {
        #expect(try DICOMwebAuthorization.none.header() == nil)
        #expect(try DICOMwebAuthorization.basic(username: "sendit", password: "pa:ss wörd").header()
            == "Basic " + Data("sendit:pa:ss wörd".utf8).base64EncodedString())
        #expect(try DICOMwebAuthorization.basic(username: "orthanc", password: "orthanc").header() == "Basic b3J0aGFuYzpvcnRoYW5j")
        #expect(try DICOMwebAuthorization.bearer("abc.def").header() == "Bearer abc.def")
        #expect(try DICOMwebAuthorization.google(Tokens(token: "ya29.x")).header() == "Bearer ya29.x")
        #expect(throws: GoogleCloudError.self) { try DICOMwebAuthorization.google(Tokens(token: nil)).header() }
        #expect(DICOMwebAuthorization.basic(username: "u", password: "secret").kind == "basic")
        #expect(!"\(DICOMwebAuthorization.basic(username: "u", password: "secret").kind)".contains("secret"))
    }

    @Test func theURLsAreTheServicesPathsAndTheAddressHidesCredentials() {
        let client = DICOMwebClient(base: URL(string: "https://user:pw@host:8443/dicom-web/")!, authorization: .none)
        #expect(client.studiesURL.absoluteString == "https://user:pw@host:8443/dicom-web/studies")
        #expect(client.url(["studies", "1.2", "series", "1.3", "instances"]).path == "/dicom-web/studies/1.2/series/1.3/instances")
        #expect(HTTPCall.shown(client.base) == "https://host:8443/dicom-web/")
        #expect(HTTPStatusText.describe(503) == "HTTP 503 Service Unavailable" && HTTPStatusText.describe(418) == "HTTP 418")
    }

    @Test func aQIDOQuestionNamesOnlyUIDs() {
        let client = DICOMwebClient(base: URL(string: "http://127.0.0.1:9/dicom-web")!, authorization: .none)
        #expect(throws: DICOMwebClient.Failure.self) { try client.instances(study: "../../patients", series: "1.2") }
    }
}
