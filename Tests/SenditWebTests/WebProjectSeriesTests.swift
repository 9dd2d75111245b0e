import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SenditIndex
import SenditWeb
import Testing

/// One SeriesInstanceUID in two projects (a study sent to two projects' AE titles): its page
/// names the project it shows and links the other; actions name the project they act in.
@Suite struct WebProjectSeriesTests {
    @Test func aSeriesInTwoProjectsIsShownAndActedOnPerProject() async throws {
        let fixture = try WebFixture()
        var image = ImportedImage(path: fixture.root + "/data/neuro+1.2.3/held.dcm", size: 1000, studyInstanceUID: "1.2.3",
                                  seriesInstanceUID: fixture.heldSeries, sopInstanceUID: fixture.heldSeries + ".1",
                                  sopClassUID: "1.2.840.10008.5.1.4.1.1.2", transferSyntaxUID: "1.2.840.10008.1.2.1", modality: "CT")
        image.project = "neuro"
        let placement = QuarantinePlacement(exists: { _ in true }, target: { id, name in "/q/\(id)-\(name)" })
        let counts = try fixture.database.recordImport([.image(image, earlier: nil)], placement: placement, sameDataSet: { _, _ in false },
                                                       firstStage: nil, maxAttempts: 3, queueing: [], reason: "test", now: Date())
        #expect(counts.added == 1)
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("operator1")
            let latest = try await browser.request("/series/\(fixture.heldSeries)")
            #expect(latest.body.contains("project neuro") && latest.body.contains("also in project <a href=\"/series/\(fixture.heldSeries)?project=default\">default</a>"))
            let own = try await browser.request("/series/\(fixture.heldSeries)?project=default")
            #expect(own.body.contains("project default") && own.body.contains("/release?project=default"))
            #expect(own.body.contains("?project=neuro\">neuro</a>"))
            #expect(try await browser.request("/series/\(fixture.heldSeries)?project=trial").status == .notFound)
            // The dashboard's problem (default's held image) leads to default's page, not to
            // the newest project's copy of the series, whose actions would act there.
            let dashboard = try await browser.request("/")
            #expect(dashboard.body.contains("href=\"/series/\(fixture.heldSeries)?project=default\""))
            #expect(!dashboard.body.contains("href=\"/series/\(fixture.heldSeries)\""))
            let destinations = try await browser.request("/destinations")
            #expect(destinations.body.contains("href=\"/series/1.2.3.4.1?project=default\""))
            let api = try await browser.request("/api/v1/series/\(fixture.heldSeries)?project=default")
            #expect(api.body.contains("\"alsoIn\":[\"neuro\"]"))
            #expect(try await browser.request("/series/\(fixture.heldSeries)/release?project=default", method: .post,
                                              form: ["csrf": browser.csrf, "confirm": "yes"]).status == .ok)
            let header: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: browser.csrf]
            #expect(try await browser.request("/api/v1/series/\(fixture.heldSeries)/drop?project=neuro", method: .post, headers: header).status == .ok)
            #expect(try await browser.request("/api/v1/series/\(fixture.heldSeries)/retry", method: .post, headers: header).status == .ok)
            #expect(fixture.control.calls.withLock { $0 } == ["release \(fixture.heldSeries) in default", "drop \(fixture.heldSeries) in neuro",
                                                              "retry \(fixture.heldSeries)"])
        }
    }
}
