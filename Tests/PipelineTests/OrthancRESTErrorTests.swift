import Foundation
import RemoteServices
import Testing

/// Orthanc's REST errors name the HTTP status and a fixed description, never the body: an error
/// page may echo the query, and the reason reaches pages, alerts and logs.
@Suite struct OrthancRESTErrorTests {
    static let echoed = "PHI-ECHO Doe^Jane 4711"

    @Test(arguments: [(500, #"{"Message": "PHI-ECHO Doe^Jane 4711 not found"}"#, "HTTP 500"),
                      (200, "PHI-ECHO Doe^Jane 4711 is not JSON", "did not answer a JSON list")])
    func anErrorNamesTheStatusNotTheBody(status: Int, body: String, expected: String) throws {
        let orthanc = try EmptyOrthanc(status: status, body: body)
        let rest = OrthancREST(url: URL(string: "http://127.0.0.1:\(orthanc.port)")!)
        do {
            _ = try rest.instances(inSeries: "1.2.3")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect(!"\(error)".contains("PHI-ECHO") && !"\(error)".contains("Doe^Jane"), "\(error)")
        }
    }
}
