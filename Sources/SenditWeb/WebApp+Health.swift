import Foundation
import Hummingbird

/// /healthz answers while the process lives; /readyz says whether the node can accept and store
/// images (503 when not), with each destination's reachability as information only; /metrics
/// is Prometheus' text format.
extension WebApp {
    func addHealthRoutes(_ router: Router<WebRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            WebResponses.json(["status": "alive"])
        }
        router.get("/readyz") { _, _ -> Response in
            let readiness = control.readiness()
            struct Body: Encodable {
                let ready: Bool
                let checks: [Readiness.Check]
                let destinations: [Readiness.Check]
            }
            return WebResponses.json(Body(ready: readiness.ready, checks: readiness.checks, destinations: readiness.destinations),
                                     status: readiness.ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { request, context -> Response in
            if !configuration.metricsPublic, let refused = refusal(.viewer, request, context) { return refused }
            let text = metrics?.exposition() ?? ""
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: .init(string: text)))
        }
    }
}
