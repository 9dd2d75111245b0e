import Foundation
import SenditIndex

/// The frame around every page: the navigation (what the role may see), the banners (lockdown
/// off, original values shown), the user and the logout button, and an optional refresh.
enum Layout {
    struct Frame {
        var identity: WebIdentity
        var configuration: WebConfiguration
        var refreshSeconds: Int?
        var current: String
    }

    /// The query parameter of a page's automatic reload: the session middleware checks the
    /// session but does not restart its idle clock (SESSION_IDLE ends an unattended session).
    static let autoRefresh = "auto-refresh"

    static let navigation: [(path: String, title: String, role: AccessRole)] = [
        ("/", "Dashboard", .viewer), ("/series", "Series", .viewer), ("/staging", "Staging", .viewer),
        ("/held", "Held", .viewer), ("/destinations", "Destinations", .viewer), ("/quarantine", "Quarantine", .viewer),
        ("/alerts", "Alerts", .viewer), ("/audit", "Audit", .viewer),
        ("/settings", "Settings", .admin),
    ]

    static func page(_ frame: Frame, title: String, _ content: HTML) -> HTML {
        let links = navigation.filter { frame.identity.role.allows($0.role) }.map { item -> HTML in
            item.path == frame.current ? "<a href=\"\(item.path)\" aria-current=\"page\">\(item.title)</a>"
                : "<a href=\"\(item.path)\">\(item.title)</a>"
        }
        var banners: [HTML] = []
        if !frame.configuration.lockdownEnabled {
            banners.append("<p class=\"banner\" role=\"alert\">The lockdown is off (LOCKDOWN_ENABLED=false): anyone who reaches this address sees these pages.</p>")
        }
        if frame.configuration.showPHI && frame.identity.role == .admin {
            banners.append("<p class=\"banner\" role=\"alert\">SHOW_PHI is on: original values may be shown to admins.</p>")
        }
        let logout: HTML
        if case .session(_, let token) = frame.identity.via {
            logout = """
                <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="\(token)">\
                <button type="submit">Log out</button></form>
                """
        } else {
            logout = ""
        }
        // The reload carries a marker: it checks the session without keeping it alive.
        let refresh: HTML = frame.refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0); url=\(frame.current)?\(autoRefresh)=1\">" } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            \(refresh)<title>\(title) · sendit</title><link rel="stylesheet" href="/assets/sendit.css"></head>
            <body><header><strong>sendit</strong><nav>\(links)</nav>\
            <span class="who">\(frame.identity.name) (\(frame.identity.role.rawValue))</span>\(logout)</header>
            \(banners)<main><h1>\(title)</h1>
            \(content)
            </main></body></html>
            """
    }

    static func bare(title: String, body: HTML) -> HTML {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · sendit</title><link rel="stylesheet" href="/assets/sendit.css"></head>
        <body>\(body)</body></html>
        """
    }

    static func date(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// A date in a `<time>` element, which the stylesheet keeps on one line.
    static func time(_ date: Date) -> HTML {
        let text = Layout.date(date)
        return "<time datetime=\"\(text)\">\(text)</time>"
    }

    /// The rows of a table body, or one row saying there is nothing, across `columns`.
    static func rows(_ rows: [HTML], columns: Int, empty: String) -> HTML {
        rows.isEmpty ? "<tr><td class=\"empty\" colspan=\"\(columns)\">\(empty)</td></tr>" : "\(rows)"
    }
}
