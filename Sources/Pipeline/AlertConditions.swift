import Foundation
import SenditIndex

/// The alerts' pure core: from what the index says now (`AlertObservation`), the free space of
/// the node's folders and the time, which conditions to alert and which alerted ones cleared;
/// each alert's body; when to try a webhook again. One alert per condition: a series FAILED or
/// HELD (`series-failed:<row id>`, `series-held:<row id>`), a destination failing longer than
/// ALERT_DESTINATION_DOWN_AFTER (`destination-down:<name>`), a retrieval source whose work waits
/// after a DICOM TLS failure (`retrieval-source-tls:<name>`, at once), a file system below
/// ALERT_DISK_MIN_FREE or DISK_MIN_FREE (`disk-low:<folders>`), a restart after a run that did not shut down
/// (`restart-after-crash:<run id>`). A condition is alerted once while it holds; once it has
/// cleared it may be alerted again (the index keys the N-th time `condition#N`).
public enum AlertConditions {
    public enum Kind: String, CaseIterable, Sendable {
        case seriesFailed = "series-failed", seriesHeld = "series-held", destinationDown = "destination-down"
        case diskLow = "disk-low", restartAfterCrash = "restart-after-crash"
        case retrievalSourceTLS = "retrieval-source-tls"
    }

    /// A folder's free space and its file system's size as measured now; `device`: its file
    /// system (folders on one file system make one condition).
    public struct Disk: Sendable, Equatable {
        public var name: String
        public var device: UInt64
        public var available: Int64?
        public var total: Int64

        public init(name: String, device: UInt64, available: Int64?, total: Int64) {
            self.name = name
            self.device = device
            self.available = available
            self.total = total
        }
    }

    public enum Condition: Sendable, Equatable {
        case seriesFailed(AlertObservation.Series)
        case seriesHeld(AlertObservation.Series)
        case destinationDown(AlertObservation.Destination)
        case retrievalSourceTLS(AlertObservation.RetrievalSource)
        case diskLow(folders: [String], available: Int64, minimum: Int64)

        public var kind: Kind {
            switch self {
            case .seriesFailed: .seriesFailed
            case .seriesHeld: .seriesHeld
            case .destinationDown: .destinationDown
            case .retrievalSourceTLS: .retrievalSourceTLS
            case .diskLow: .diskLow
            }
        }

        public var key: String {
            switch self {
            case .seriesFailed(let s), .seriesHeld(let s): "\(kind.rawValue):\(s.id)"
            case .destinationDown(let d): "\(kind.rawValue):\(d.name)"
            case .retrievalSourceTLS(let s): "\(kind.rawValue):\(s.name)"
            case .diskLow(let folders, _, _): "\(kind.rawValue):\(folders.joined(separator: "+"))"
            }
        }
    }

    public struct Decision: Sendable, Equatable {
        /// Conditions to alert now.
        public var raise: [Condition]
        /// Alerted conditions that no longer hold.
        public var clear: [String]
    }

    /// What to alert and what cleared. A series counts by its derived status (FAILED if any image
    /// failed, else HELD if any is held); it is alerted once nothing of it is in flight, or once
    /// its trouble is `seriesSettle` old. A destination holds from its first failure and is
    /// alerted after `destinationDownAfter`. A disk condition clears only 10 % above the minimum,
    /// so that a disk hovering at the watermark does not alert again and again.
    public static func decide(_ o: AlertObservation, disks: [Disk], settings: AlertSettings, now: Date) -> Decision {
        var holding: Set<String> = [], raise: [Condition] = []
        func consider(_ c: Condition, due: Bool) {
            holding.insert(c.key)
            if due && !o.open.contains(c.key) { raise.append(c) }
        }
        for s in o.series {
            let settled = s.inFlight == 0 || now.timeIntervalSince(s.troubleSince) >= settings.seriesSettle
            if s.failed > 0 {
                consider(.seriesFailed(s), due: settled)
            } else if s.held > 0 {
                consider(.seriesHeld(s), due: settled)
            }
        }
        for d in o.failingDestinations {
            // A TLS failure (a certificate that does not verify, a peer that does not speak TLS)
            // does not pass by waiting: it is alerted at once.
            consider(.destinationDown(d), due: now.timeIntervalSince(d.failingSince) >= settings.destinationDownAfter
                                                || isTLSFailure(d.lastError))
        }
        // Like a destination's, a retrieval source's TLS failure does not pass by waiting.
        for s in o.retrievalSourcesFailingTLS { consider(.retrievalSourceTLS(s), due: true) }
        var byDevice: [UInt64: (names: [String], available: Int64, total: Int64)] = [:]
        var order: [UInt64] = []
        for disk in disks {
            guard let available = disk.available else { continue }
            var group = byDevice[disk.device] ?? ([], available, disk.total)
            if byDevice[disk.device] == nil { order.append(disk.device) }
            group.names.append(disk.name)
            group.available = min(group.available, available)
            byDevice[disk.device] = group
        }
        for device in order {
            guard let (names, available, total) = byDevice[device] else { continue }
            let minimum = settings.alertBelow(totalBytes: total)
            guard minimum > 0 else { continue }
            let c = Condition.diskLow(folders: names, available: available, minimum: minimum)
            if available < minimum {
                consider(c, due: true)
            } else if o.open.contains(c.key) && available < minimum + minimum / 10 {
                holding.insert(c.key)
            }
        }
        let scanned = [Kind.seriesFailed, .seriesHeld, .destinationDown, .retrievalSourceTLS, .diskLow].map { $0.rawValue + ":" }
        let clear = o.open.filter { key in scanned.contains(where: { key.hasPrefix($0) }) && !holding.contains(key) }.sorted()
        return Decision(raise: raise, clear: clear)
    }

    /// Whether a destination's last error is a TLS failure (`NetworkError.tls`'s "TLS: …").
    public static func isTLSFailure(_ lastError: String) -> Bool {
        lastError.contains("TLS: ")
    }

    /// The alert of a condition; `reasons`: those recorded on the series' FAILED (or HELD) images.
    public static func alert(_ c: Condition, reasons: [AlertObservation.Reason] = [], settings: AlertSettings,
                             now: Date) -> NewAlert {
        var body = AlertBody(kind: c.kind.rawValue, key: "", node: settings.node, at: now, summary: "")
        switch c {
        case .seriesFailed(let s), .seriesHeld(let s):
            let failed = c.kind == .seriesFailed
            body.series = .init(id: s.id, modality: s.modality, images: s.images, failed: s.failed, held: s.held)
            body.reasons = reasons.map { .init(reason: masked($0.reason), images: $0.images) }
            let what = failed ? "\(s.failed) of \(s.images) image\(s.images == 1 ? "" : "s") FAILED"
                : "\(s.held) of \(s.images) image\(s.images == 1 ? "" : "s") HELD for a person to look at"
            body.summary = "series \(s.id)" + (s.modality.map { " (\($0))" } ?? "") + " is \(failed ? "FAILED" : "HELD"): " + what
                + (body.reasons?.first.map { "; \($0.reason)" } ?? "")
        case .destinationDown(let d):
            let seconds = max(0, Int(now.timeIntervalSince(d.failingSince)))
            body.destination = .init(name: d.name, failingSince: d.failingSince, seconds: seconds, jobs: d.jobs,
                                     lastError: masked(d.lastError))
            body.summary = (isTLSFailure(d.lastError) ? "destination \(d.name) fails DICOM over TLS (nothing is sent in clear text)"
                            : "destination \(d.name) has been unreachable") + " for \(duration(seconds)); \(d.jobs) series wait: "
                + masked(d.lastError)
        case .retrievalSourceTLS(let s):
            let seconds = max(0, Int(now.timeIntervalSince(s.failingSince)))
            body.retrievalSource = .init(name: s.name, failingSince: s.failingSince, seconds: seconds, waiting: s.waiting,
                                         lastError: masked(s.lastError))
            body.summary = "retrieval source \(s.name) fails DICOM over TLS (nothing is asked in clear text): its work waits until "
                + "its certificates are put right (SIGHUP reloads them), \(s.waiting) waiting; " + masked(s.lastError)
        case .diskLow(let folders, let available, let minimum):
            body.disk = .init(folders: folders, available: available, minimum: minimum)
            body.summary = "free space for \(folders.joined(separator: " and ")) is \(ByteCount.text(available)), "
                + "below \(ByteCount.text(minimum))"
        }
        let template = body
        return NewAlert(condition: c.key, kind: c.kind.rawValue) { key in
            var b = template
            b.key = key
            return b.json
        }
    }

    /// The alert of a start after runs that did not shut down cleanly; nil if there were none.
    public static func crashAlert(_ unclean: [NodeRun], settings: AlertSettings, now: Date) -> NewAlert? {
        guard let last = unclean.last else { return nil }
        let ending = last.ending == .failed ? "a service failed" : "killed or crashed"
        var body = AlertBody(kind: Kind.restartAfterCrash.rawValue, key: "", node: settings.node, at: now, summary: "")
        body.restart = .init(runs: unclean.count, lastStartedAt: last.startedAt, ending: ending)
        body.summary = "the node restarted after a run that did not shut down cleanly (\(ending))"
            + (unclean.count > 1 ? "; \(unclean.count) such runs" : "")
        let template = body
        return NewAlert(condition: "\(Kind.restartAfterCrash.rawValue):\(last.id)", kind: Kind.restartAfterCrash.rawValue) { key in
            var b = template
            b.key = key
            return b.json
        }
    }

    /// When to try a webhook again after `attempts` failed tries: 5 s, doubling, at most 5 min.
    public static func nextAttempt(after attempts: Int, now: Date) -> Date {
        now.addingTimeInterval(min(300, 5 * pow(2, Double(max(0, min(attempts, 10) - 1)))))
    }

    /// A reason as an alert carries it: on one line, at most 300 characters, anything that looks
    /// like a UID (digits and dots, 5 parts or more, or 20 characters or more) masked. Reasons
    /// name attributes, never values; the mask keeps an original UID off the network too.
    public static func masked(_ text: String) -> String {
        var out = "", token = ""
        func flush() {
            // A full stop after a UID ends the sentence, not the UID.
            var dots = ""
            while token.hasSuffix(".") {
                token.removeLast()
                dots += "."
            }
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            let uidLike = (parts.count >= 5 || (parts.count >= 2 && token.count >= 20)) && parts.allSatisfy { !$0.isEmpty }
            out += (uidLike ? "<UID>" : token) + dots
            token = ""
        }
        for ch in text {
            if ch.isASCII && (ch.isNumber || ch == ".") {
                token.append(ch)
            } else {
                flush()
                out.append(ch.isNewline ? " " : ch)
            }
        }
        flush()
        return out.count > 300 ? String(out.prefix(299)) + "…" : out
    }

    /// "2 h 5 min", "3 min", "42 s".
    static func duration(_ seconds: Int) -> String {
        if seconds >= 3600 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        if seconds >= 60 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
