import Foundation
import SenditIndex

/// SHOW_PHI: the series page and /api/v1/series/{uid} show an admin the series' original values,
/// read on request from a received image still on disk (`OriginalValues`); every such view is
/// in the audit trail. Anyone else, or SHOW_PHI=false, or the lockdown off: never.
extension WebApp {
    func originals(_ seriesInstanceUID: String, project: String, _ context: WebRequestContext) throws -> OriginalValues? {
        guard configuration.showPHI, let identity = context.identity, identity.role == .admin else { return nil }
        if case .lockdownOff = identity.via { return nil }
        let values = OriginalValues.read(paths: try overview.imagePaths(seriesInstanceUID: seriesInstanceUID, project: project, limit: 100))
        audit(context, .viewOriginals, target: seriesInstanceUID,
              detail: values.onDisk ? "viewed originals of series \(seriesInstanceUID)" : "originals of series \(seriesInstanceUID) no longer on disk")
        return values
    }

    func originalsSection(_ values: OriginalValues?) -> HTML {
        guard let values else { return "" }
        guard values.onDisk else { return "<h2>Original values (SHOW_PHI)</h2><p>\(values.note ?? "")</p>" }
        let rows = [("Patient name", values.patientName), ("Patient ID", values.patientID), ("Birth date", values.patientBirthDate),
                    ("Accession number", values.accessionNumber)].map { "<tr><td>\($0.0)</td><td><code>\($0.1 ?? "")</code></td></tr>" as HTML }
        return "<h2>Original values (SHOW_PHI)</h2><p>Read now from a received image; this view is in the audit trail.</p><table><tbody>\(rows)</tbody></table>"
    }

    /// /api/v1/series/{uid}: the series, and for an admin with SHOW_PHI its original values.
    struct SeriesAnswer: Encodable {
        let detail: SeriesDetail
        let originals: OriginalValues?

        enum Key: String, CodingKey { case originals }

        func encode(to encoder: any Encoder) throws {
            try detail.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(originals, forKey: .originals)
        }
    }
}
