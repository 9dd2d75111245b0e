import Foundation
import SenditIndex

/// The dashboard's chart: received, de-identified and delivered images per hour over the last
/// 24 hours, as a server-drawn SVG (no script, no external asset).
enum ActivityChart {
    static let kinds: [(kind: Activity.Kind, label: String, css: String)] = [
        (.received, "received", "received"), (.deidentified, "de-identified", "deidentified"), (.delivered, "delivered", "delivered"),
    ]

    static func svg(_ rows: [ActivityRow], now: Date) -> HTML {
        let hours = (0..<24).map { Activity.hour(now.addingTimeInterval(Double($0 - 23) * 3600)) }
        var value: [String: [Activity.Kind: Int]] = [:]
        for row in rows { value[row.hour, default: [:]][row.kind, default: 0] += row.images }
        let top = max(1, hours.flatMap { h in kinds.map { value[h]?[$0.kind] ?? 0 } }.max() ?? 1)
        let width = 720, height = 200, left = 48, bottom = 24
        let slot = Double(width - left) / 24, bar = slot / 4
        var shapes: [HTML] = []
        for (i, hour) in hours.enumerated() {
            for (k, kind) in kinds.enumerated() {
                let n = value[hour]?[kind.kind] ?? 0
                let h = Double(height - bottom - 8) * Double(n) / Double(top)
                let x = Double(left) + Double(i) * slot + Double(k) * bar + bar / 2
                let y = Double(height - bottom) - h
                shapes.append("<rect class=\"\(kind.css)\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(bar))\" height=\"\(f(h))\"><title>\(hour):00 UTC, \(n) \(kind.label)</title></rect>")
            }
            if i % 3 == 0 {
                shapes.append("<text x=\"\(f(Double(left) + Double(i) * slot))\" y=\"\(height - 6)\">\(String(hour.suffix(2))):00</text>")
            }
        }
        let legend = kinds.enumerated().map { k, kind -> HTML in
            "<rect class=\"\(kind.css)\" x=\"\(left + 140 * k)\" y=\"2\" width=\"10\" height=\"10\"></rect><text x=\"\(left + 140 * k + 14)\" y=\"11\">\(kind.label)</text>"
        }
        return """
            <svg class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="Images per hour, last 24 hours">\
            <text x="0" y="\(height - bottom)">0</text><text x="0" y="20">\(top)</text>\
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width)" y2="\(height - bottom)"></line>\(shapes)\(legend)</svg>
            """
    }

    /// A coordinate to one decimal (`12.3`, `40.0`), without `String(format:)`, which costs a
    /// locale-aware formatter per call (hundreds per chart).
    static func f(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
