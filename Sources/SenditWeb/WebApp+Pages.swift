import Foundation
import Hummingbird
import SenditIndex

/// The pages, server-rendered and usable without JavaScript; the dashboard refreshes itself.
extension WebApp {
    /// When the disk table's files and sizes were counted (free space is measured now).
    static func diskCounted(_ disks: [LiveFigures.Disk]) -> HTML {
        guard let at = disks.compactMap(\.countedAt).min() else { return "Files and sizes are being counted; free space is measured now." }
        return "Files and sizes counted at \(Layout.time(at)) (at most once a minute); free space is measured now."
    }

    func addPageRoutes(_ router: Router<WebRequestContext>) {
        router.get("/") { _, context -> Response in
            let figures = try overview.dashboard(since: now().addingTimeInterval(-24 * 3600))
            return WebResponses.html(Layout.page(frame(context, current: "/", refresh: 10), title: "Dashboard",
                                                 dashboard(figures, live: control.liveFigures())))
        }
        router.get("/series") { request, context -> Response in
            let query = SeriesQuery.parameters(request)
            let filter: SeriesFilter
            do { filter = try SeriesQuery.filter(query) } catch {
                return WebResponses.page(status: .badRequest, title: "Bad filter", message: "\(error)")
            }
            let page = try overview.seriesList(filter)
            return WebResponses.html(Layout.page(frame(context, current: "/series"), title: "Series",
                                                 "\(searchForm(context))\(seriesFilters(filter))\(seriesTable(page, query: query))"))
        }
        router.get("/series/:uid") { request, context -> Response in
            let uid = context.parameters.get("uid") ?? ""
            guard let detail = try overview.seriesDetail(seriesInstanceUID: uid, project: Self.project(request)) else {
                return WebResponses.page(status: .notFound, title: "Not found", message: "No series \(uid) in the index.")
            }
            let originals = originalsSection(try self.originals(uid, project: detail.project, context))
            return WebResponses.html(Layout.page(frame(context, current: "/series"), title: "Series", "\(seriesPage(detail, context))\(originals)"))
        }
        router.get("/held") { _, context -> Response in
            let page = try overview.seriesList(SeriesFilter(status: .held, limit: 200))
            return WebResponses.html(Layout.page(frame(context, current: "/held"), title: "Held",
                                                 "<p>Series with images held (identity conflicts, burned-in text rules). Open one to release or drop them.</p>\(seriesTable(page, query: [:]))"))
        }
        router.get("/staging") { _, context -> Response in
            WebResponses.html(Layout.page(frame(context, current: "/staging", refresh: 10), title: "Staging", staging(context)))
        }
        router.get("/quarantine") { _, context -> Response in
            let lines = QuarantineView.shown(try overview.quarantineList(limit: 500), to: context.identity?.role ?? .viewer)
            let rows = lines.map { q -> HTML in
                "<tr><td>\(q.id)</td><td>\(Layout.time(q.at))</td><td><code>\(q.fileName ?? "")</code></td><td>\(q.reason)</td><td><code>\(q.movedTo ?? "")</code></td></tr>"
            }
            let note = context.identity?.role == .admin ? "" : " File names are shown to admins only (a dropped folder's or file's name can be a patient's)."
            return WebResponses.html(Layout.page(frame(context, current: "/quarantine"), title: "Quarantine", """
                <p>Files sendit could not take, with why. They stay in the quarantine folder until someone removes them.\(note)</p>
                <table><thead><tr><th>Id</th><th>When</th><th>File</th><th>Reason</th><th>In QUARANTINE_FOLDER as</th></tr></thead><tbody>\(Layout.rows(rows, columns: 5, empty: "Nothing in quarantine."))</tbody></table>
                """))
        }
        router.get("/audit") { request, context -> Response in
            let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
            let entries = AuditView.shown(try access.auditTrail(limit: 200, before: before, since: nil), to: context.identity?.role ?? .viewer)
            let rows = entries.map { e -> HTML in
                "<tr><td>\(Layout.time(e.at))</td><td>\(e.actor)</td><td>\(e.address)</td><td>\(e.action.rawValue)</td><td><code>\(e.target)</code></td><td>\(e.detail)</td></tr>"
            }
            let more: HTML = entries.count == 200 ? "<p><a href=\"/audit?before=\(entries.last?.id ?? 0)\">Older</a></p>" : ""
            return WebResponses.html(Layout.page(frame(context, current: "/audit"), title: "Audit", """
                <table><thead><tr><th>When</th><th>Who</th><th>From</th><th>Action</th><th>Target</th><th>Detail</th></tr></thead>
                <tbody>\(rows)</tbody></table>\(more)
                """))
        }
        router.get("/settings") { request, context -> Response in
            if let refused = refusal(.admin, request, context) { return refused }
            let rows = control.settings().map { "<tr><td><code>\($0.key)</code></td><td><code>\($0.value)</code></td></tr>" as HTML }
            return WebResponses.html(Layout.page(frame(context, current: "/settings"), title: "Settings", """
                <p>The effective configuration (defaults, the file, the environment and flags resolved); secrets are masked.</p>
                <table><thead><tr><th>Setting</th><th>Value</th></tr></thead><tbody>\(rows)</tbody></table>
                """))
        }
        router.get("/assets/sendit.css") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: .init(string: Assets.css)))
        }
    }

    func dashboard(_ f: DashboardFigures, live: LiveFigures) -> HTML {
        func card(_ label: String, _ value: Int, _ css: String = "") -> HTML {
            "<div class=\"card \(css)\"><b>\(value)</b>\(label)</div>"
        }
        let statuses = ImageStatus.allCases.map(\.rawValue)
        let cards = [card("studies", f.studies), card("series", f.series), card("images", f.images),
                     card("failed series", f.seriesByStatus["FAILED"] ?? 0, "status-FAILED"),
                     card("held series", f.seriesByStatus["HELD"] ?? 0, "status-HELD"), card("quarantined files", f.quarantined),
                     card("open associations", live.openAssociations)]
        let byStatus = statuses.map { s -> HTML in
            "<tr><td class=\"status-\(s)\">\(s)</td><td class=\"n\">\(f.seriesByStatus[s] ?? 0)</td><td class=\"n\">\(f.imagesByStatus[s] ?? 0)</td></tr>"
        }
        let jobs = f.jobs.keys.sorted().map { stage -> HTML in
            "<tr><td>\(stage)</td><td class=\"n\">\(f.jobs[stage]?["queued"] ?? 0)</td><td class=\"n\">\(f.jobs[stage]?["running"] ?? 0)</td></tr>"
        }
        let pending = f.pendingDeliveries.keys.sorted().map { "<tr><td>\($0)</td><td class=\"n\">\(f.pendingDeliveries[$0] ?? 0)</td></tr>" as HTML }
        let disks = live.disks.map { d -> HTML in
            "<tr><td>\(d.name)</td><td><code>\(d.folder)</code></td><td class=\"n\">\(d.files)</td><td class=\"n\">\(ByteCount.text(d.bytes))</td><td class=\"n\">\(d.available.map(ByteCount.text) ?? "missing")</td></tr>"
        }
        let problems = f.latestProblems.map { p -> HTML in
            "<tr><td>\(Layout.time(p.at))</td><td class=\"status-\(p.status)\">\(p.status)</td><td><a class=\"uid\" href=\"\(Self.seriesLink(p.seriesInstanceUID, project: p.project))\">\(p.seriesInstanceUID)</a></td><td class=\"n\">\(p.images)</td><td>\(p.reason)</td></tr>"
        }
        // Free space below DISK_MIN_FREE: the node takes nothing until it returns.
        let diskBanner: HTML = live.diskLow.map { reason -> HTML in
            "<p class=\"banner\" role=\"alert\">Disk space low: new associations are refused, C-STOREs answered A700 (out of resources), intake and de-identification paused until space returns. \(reason)</p>"
        } ?? ""
        return """
            \(diskBanner)<div class="cards">\(cards)</div>
            <h2>Last 24 hours</h2>\(ActivityChart.svg(f.activity, now: now()))
            <h2>By status</h2><table><thead><tr><th>Status</th><th class="n">Series</th><th class="n">Images</th></tr></thead><tbody>\(byStatus)</tbody></table>
            <h2>Queues</h2><table><thead><tr><th>Stage</th><th class="n">Queued</th><th class="n">Running</th></tr></thead><tbody>\(Layout.rows(jobs, columns: 3, empty: "No job queued or running."))</tbody></table>
            <table><thead><tr><th>Destination</th><th class="n">Sent, not yet verified</th></tr></thead><tbody>\(Layout.rows(pending, columns: 2, empty: "Nothing waits for verification."))</tbody></table>
            <h2>Disk</h2><table><thead><tr><th></th><th>Folder</th><th class="n">Files</th><th class="n">Size</th><th class="n">Free</th></tr></thead><tbody>\(disks)</tbody></table>
            <p class="note">\(Self.diskCounted(live.disks))</p>
            <h2>Latest problems</h2><table><thead><tr><th>When</th><th>Status</th><th>Series</th><th class="n">Images</th><th>Reason</th></tr></thead><tbody>\(Layout.rows(problems, columns: 5, empty: "No failed or held series."))</tbody></table>
            """
    }

    func seriesFilters(_ filter: SeriesFilter) -> HTML {
        let options = ([""] + ImageStatus.allCases.map(\.rawValue)).map { s -> HTML in
            s == (filter.status?.rawValue ?? "") ? "<option selected>\(s)</option>" : "<option>\(s)</option>"
        }
        return """
            <form class="filters" method="get" action="/series">
            <label>Status <select name="status">\(options)</select></label>
            <label>Modality <input name="modality" size="4" value="\(filter.modality)"></label>
            <label>Project <input name="project" size="10" value="\(filter.project)"></label>
            <label>Received from <input name="from" type="date" value="\(filter.receivedFrom.map(SeriesQuery.day))"></label>
            <label>to <input name="to" type="date" value="\(filter.receivedTo.map(SeriesQuery.day))"></label>
            <label>UID <input name="uid" value="\(filter.uid)"></label>
            <label>Failed at <input name="failedAt" size="10" value="\(filter.failedAt)"></label>
            <button type="submit">Filter</button></form>
            """
    }

    func seriesTable(_ page: SeriesListPage, query: [String: String]) -> HTML {
        let rows = page.series.map { s -> HTML in
            let counts = s.imagesByStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "<tr><td>\(Layout.time(s.receivedAt))</td><td class=\"status-\(s.status)\">\(s.status)</td><td>\(s.modality)</td><td>\(s.project)</td><td><a class=\"uid\" href=\"\(Self.seriesLink(s.seriesInstanceUID, project: s.project))\">\(s.seriesInstanceUID)</a></td><td class=\"n\">\(s.images)</td><td>\(counts)</td></tr>"
        }
        var more: HTML = ""
        if let next = page.next {
            var parts = query.filter { $0.key != "before" }.sorted { $0.key < $1.key }
                .map { "\(WebResponses.percentEncoded($0.key))=\(WebResponses.percentEncoded($0.value))" }
            parts.append("before=\(next)")
            more = "<p><a href=\"/series?\(parts.joined(separator: "&"))\">Next page</a></p>"
        }
        return """
            <table><thead><tr><th>Received</th><th>Status</th><th>Modality</th><th>Project</th><th>Series</th><th class="n">Images</th><th>By status</th></tr></thead>
            <tbody>\(rows)</tbody></table>\(more)
            """
    }

    func seriesPage(_ d: SeriesDetail, _ context: WebRequestContext) -> HTML {
        let role = context.identity?.role ?? .viewer
        var actions: [HTML] = []
        if role.allows(.operator) {
            let csrf = context.identity?.csrfToken ?? ""
            func button(_ action: String, _ label: String, confirm: String?, danger: Bool = false) -> HTML {
                let check: HTML = confirm.map { "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> \($0)</label> " } ?? ""
                return """
                    <form method="post" action="/series/\(d.seriesInstanceUID)/\(action)?project=\(WebResponses.percentEncoded(d.project))" class="inline">\
                    <input type="hidden" name="csrf" value="\(csrf)">\(check)<button type="submit"\(danger ? " class=\"danger\"" : "")>\(label)</button></form>
                    """
            }
            if (d.imagesByStatus["FAILED"] ?? 0) > 0 || d.jobs.contains(where: { $0.state == "failed" }) {
                actions.append(button("retry", "Retry failed", confirm: nil))
            }
            if (d.imagesByStatus["HELD"] ?? 0) > 0 {
                actions.append(button("release", "Release held images", confirm: "I checked these images may be sent"))
                actions.append(button("drop", "Drop held images", confirm: "Remove them; they are never sent", danger: true))
            }
        }
        let counts = d.imagesByStatus.sorted { $0.key < $1.key }.map { "<tr><td class=\"status-\($0.key)\">\($0.key)</td><td class=\"n\">\($0.value)</td></tr>" as HTML }
        let deliveries = d.deliveries.map { "<tr><td>\($0.destination)</td><td>\($0.state)</td><td class=\"n\">\($0.images)</td><td>\($0.detail)</td></tr>" as HTML }
        let jobs = d.jobs.map { j -> HTML in
            "<tr><td>\(j.stage)</td><td>\(j.state)</td><td class=\"n\">\(j.maxAttempts >= 1_000_000 ? "\(j.attempts)" : "\(j.attempts)/\(j.maxAttempts)")</td><td>\(Layout.time(j.updatedAt))</td><td>\(j.lastError)</td></tr>"
        }
        let identifiers = d.identifiers.sorted { $0.key < $1.key }.map { "<tr><td>\($0.key)</td><td><code>\($0.value)</code></td></tr>" as HTML }
        let events = d.events.map { e -> HTML in
            "<tr><td>\(Layout.time(e.at))</td><td>\(e.entity)</td><td>\(e.from ?? "")</td><td>\(e.to)</td><td>\(e.reason)</td></tr>"
        }
        let otherLinks: [HTML] = d.alsoIn.enumerated().map { n, project in
            "\(n > 0 ? ", " : "")<a href=\"\(Self.seriesLink(d.seriesInstanceUID, project: project))\">\(project)</a>"
        }
        let also: HTML = d.alsoIn.isEmpty ? "" : "<p>The same series is also in project \(otherLinks), de-identified and sent there by that project's own settings.</p>"
        let images = d.images.map { i -> HTML in
            "<tr><td class=\"uid\">\(i.sopInstanceUID)</td><td class=\"status-\(i.status)\">\(i.status)</td><td class=\"n\">\(ByteCount.text(i.size))</td><td>\(i.reason)</td></tr>"
        }
        return """
            <p>Series <span class="uid">\(d.seriesInstanceUID)</span> of study <span class="uid">\(d.studyInstanceUID)</span>, \(d.modality ?? "no modality"), project \(d.project), received \(Layout.time(d.receivedAt)).
            Status <b class="status-\(d.status)">\(d.status)</b>.</p>\(also)
            <div class="actions">\(actions)</div>
            <h2>Images by status</h2><table><tbody>\(counts)</tbody></table>
            <h2>Deliveries</h2><table><thead><tr><th>Destination</th><th>State</th><th class="n">Images</th><th>Detail</th></tr></thead><tbody>\(Layout.rows(deliveries, columns: 4, empty: "Not sent yet."))</tbody></table>
            <h2>Jobs</h2><table><thead><tr><th>Stage</th><th>State</th><th class="n">Attempts</th><th>Updated</th><th>Last error</th></tr></thead><tbody>\(jobs)</tbody></table>
            <h2>Identifiers (coded values)</h2><table><tbody>\(Layout.rows(identifiers, columns: 2, empty: "No coded values to show."))</tbody></table>
            <h2>Timeline</h2><table><thead><tr><th>When</th><th>What</th><th>From</th><th>To</th><th>Why</th></tr></thead><tbody>\(events)</tbody></table>
            <h2>Images</h2><table><thead><tr><th>SOP Instance UID</th><th>Status</th><th class="n">Size</th><th>Reason</th></tr></thead><tbody>\(images)</tbody></table>
            """
    }

    func staging(_ context: WebRequestContext) -> HTML {
        let canAct = context.identity?.role.allows(.operator) ?? false
        let csrf = context.identity?.csrfToken ?? ""
        let rows = control.stagingFolders().map { s -> HTML in
            let action: HTML = canAct ? """
                <form method="post" action="/staging/\(s.name)/complete" class="inline"><input type="hidden" name="csrf" value="\(csrf)">\
                <button type="submit">Force complete</button></form>
                """ : ""
            return "<tr><td><code>\(s.name)</code></td><td class=\"n\">\(s.images)</td><td>\(Layout.time(s.lastArrival))</td><td>\(action)</td></tr>"
        }
        return """
            <p>Studies still arriving: each is finished when no image has come for the stable age, or now by hand.</p>
            <table><thead><tr><th>Folder</th><th class="n">Images</th><th>Last image</th><th></th></tr></thead><tbody>\(Layout.rows(rows, columns: 4, empty: "No study is arriving."))</tbody></table>
            """
    }
}

extension WebApp {
    /// The project a series page or action names (`?project=`): one SeriesInstanceUID may be in
    /// several projects at once. nil: none named.
    static func project(_ request: Request) -> String? {
        request.uri.queryParameters["project"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A series page's address, naming its project.
    static func seriesLink(_ seriesInstanceUID: String, project: String) -> String {
        "/series/\(seriesInstanceUID)?project=\(WebResponses.percentEncoded(project))"
    }
}
