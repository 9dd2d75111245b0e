import Foundation
import Hummingbird
import SenditIndex

/// Retrieval jobs through the JSON API: POST /api/v1/retrievals with a list, GET
/// /api/v1/retrievals[/{id}], POST …/{id}/pause and …/{id}/resume. A list's values and its
/// outcome per value are the requester's own data: only `RetrievalAccess.role` may post a list
/// or see an item's value and research ID; operators see the counts. Each request and each
/// pause or resume is in the audit trail, by job id and counts, never a value.
extension WebApp {
    struct RetrievalRequest: Decodable {
        let source: String
        let project: String?
        /// accession, patient_id or study_uid.
        let kind: String
        /// The values, or a `list` (CSV or one per line, as `sendit retrieve` reads).
        let values: [String]?
        let list: String?
        let dates: String?
    }

    struct RetrievalCreated: Encodable {
        let job: Int64
        let items: Int
    }

    struct RetrievalAnswer: Encodable {
        let progress: RetrievalProgress
        /// Only for `RetrievalAccess.role`; nil otherwise.
        let items: [RetrievalItem]?
    }

    func addRetrievalRoutes(_ router: Router<WebRequestContext>) {
        let api = router.group("/api/v1/retrievals")
        api.get { request, context -> Response in
            if let refused = refusal(.operator, request, context) { return refused }
            guard let retrievals else { return WebResponses.json([RetrievalProgress]()) }
            return WebResponses.json(try retrievals.store.retrievalJobs(limit: 100))
        }
        api.get(":id") { request, context -> Response in
            if let refused = refusal(.operator, request, context) { return refused }
            guard let retrievals, let id = context.parameters.get("id").flatMap(Int64.init),
                  let progress = try retrievals.store.retrievalJob(id: id) else {
                return WebResponses.jsonError(.notFound, "no such retrieval job")
            }
            let allowed = context.identity?.role.allows(RetrievalAccess.role) ?? false
            return WebResponses.json(RetrievalAnswer(progress: progress, items: allowed ? try retrievals.store.retrievalItems(jobId: id) : nil))
        }
        api.post { request, context -> Response in
            if let refused = refusal(RetrievalAccess.role, request, context) { return refused }
            guard let retrievals else { return WebResponses.jsonError(.conflict, "no archive to retrieve from (RETRIEVE_SOURCES is empty)") }
            guard let body = try? JSONDecoder().decode(RetrievalRequest.self, from: Data(buffer: try await request.body.collect(upTo: context.maxUploadSize))) else {
                return WebResponses.jsonError(.badRequest, "give {\"source\", \"kind\", \"values\" or \"list\", optionally \"project\" and \"dates\"}")
            }
            do {
                let (job, list, dates) = try Self.retrieval(body, sources: retrievals.sources, projects: retrievals.projects(), requester: context.identity?.actor ?? "-", now: now())
                let id = try retrievals.store.createRetrieval(job, list: list, dates: dates, now: now())
                audit(context, .retrievalRequested, target: "retrieval job \(id)",
                      detail: "\(list.entries.count) \(list.kind.rawValue) values from \(job.source) into project \(job.project)")
                return WebResponses.json(RetrievalCreated(job: id, items: list.entries.count), status: .created)
            } catch let invalid as RetrievalList.Invalid {
                return WebResponses.jsonError(.badRequest, invalid.description)
            }
        }
        for (verb, paused) in [("pause", true), ("resume", false)] {
            api.post(":id/\(verb)") { request, context -> Response in
                if let refused = refusal(RetrievalAccess.role, request, context) { return refused }
                guard let retrievals, let id = context.parameters.get("id").flatMap(Int64.init),
                      try retrievals.store.setRetrievalPaused(jobId: id, paused: paused, now: now()) else {
                    return WebResponses.jsonError(.notFound, "no such retrieval job")
                }
                audit(context, paused ? .retrievalPaused : .retrievalResumed, target: "retrieval job \(id)")
                return WebResponses.json(ActionResultBody(ok: true, message: "job \(id) \(paused ? "paused" : "resumed")"))
            }
        }
    }

    struct ActionResultBody: Encodable {
        let ok: Bool
        let message: String
    }

    /// The job a request asks for; refusals name the field, never a value of the list.
    static func retrieval(_ body: RetrievalRequest, sources: [String: RetrievalJob.Method], projects: Set<String> = ["default"],
                          requester: String, now: Date)
        throws(RetrievalList.Invalid) -> (RetrievalJob, RetrievalList, String?) {
        guard let method = sources[body.source] else {
            throw RetrievalList.Invalid("no archive \(body.source.prefix(64)) (RETRIEVE_SOURCES: \(sources.keys.sorted().joined(separator: ", ")))")
        }
        let project = body.project ?? "default"
        guard projects.contains(project) else {
            throw RetrievalList.Invalid("no project \(project.prefix(64)) on this node (\(projects.sorted().joined(separator: ", ")))")
        }
        guard let kind = RetrievalList.Kind(rawValue: body.kind) else { throw RetrievalList.Invalid("kind must be accession, patient_id or study_uid") }
        if let dates = body.dates, !RetrievalList.isDateRange(dates) {
            throw RetrievalList.Invalid("dates must be YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD")
        }
        let list: RetrievalList
        switch (body.values, body.list) {
        case (let values?, nil): list = try RetrievalList.parse(values.joined(separator: "\n"), kind: kind)
        case (nil, let text?): list = try RetrievalList.parse(text, kind: kind)
        default: throw RetrievalList.Invalid("give either values or list")
        }
        return (RetrievalJob(source: body.source, project: project, method: method, createdAt: now, requester: requester), list, body.dates)
    }
}
