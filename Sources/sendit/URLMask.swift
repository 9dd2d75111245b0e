import Foundation

/// A URL as a value may be shown (Settings page, /api/v1/settings, `sendit config check`, the
/// start-up summary): its user and password and its query (and fragment) replaced by
/// `********`, since either may hold a credential: `https://********@host:8042/path?********`.
/// Only `Setting.shown` calls it.
enum URLMask {
    static let mask = "********"

    /// `text` with each http(s) URL in it masked; with `whole`, the text is one URL (a `.url`
    /// setting), else URLs end at white space, `,` or `;` (lists such as EXTRA_DESTINATIONS).
    static func masked(_ text: String, whole: Bool) -> String {
        if whole { return maskedURL(Substring(text)) }
        var out = "", rest = Substring(text)
        while let start = rest.range(of: "http", options: .caseInsensitive) {
            let next = rest[start.upperBound...]
            guard next.hasPrefix("://") || next.lowercased().hasPrefix("s://") else {
                out += rest[..<start.upperBound]
                rest = next
                continue
            }
            out += rest[..<start.lowerBound]
            let url = rest[start.lowerBound...].prefix { !$0.isWhitespace && $0 != "," && $0 != ";" }
            out += maskedURL(url)
            rest = rest[url.endIndex...]
        }
        return out + rest
    }

    /// One URL: the part between `://` and the first `/`, `?` or `#` is the authority; what it
    /// holds before its last `@` (user, password) is masked, and so is all after `?` or `#`.
    static func maskedURL(_ url: Substring) -> String {
        guard let scheme = url.range(of: "://") else { return queryMasked(url) }
        let after = url[scheme.upperBound...]
        let authorityEnd = after.firstIndex { "/?#".contains($0) } ?? after.endIndex
        var authority = String(after[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") { authority = mask + authority[at...] }
        return url[..<scheme.upperBound] + authority + queryMasked(after[authorityEnd...])
    }

    private static func queryMasked(_ part: Substring) -> String {
        guard let cut = part.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return String(part) }
        return part[...cut] + mask
    }
}
