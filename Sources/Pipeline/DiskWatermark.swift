import Foundation
import SenditIndex

/// DISK_MIN_FREE: the least free space the file systems of the data folder and the outbox must
/// keep. Below it the node refuses new associations (transient, local limit exceeded), answers
/// C-STOREs `A700` and pauses intake and de-identification (`DiskGuard`). Pure: free and total
/// bytes in, a decision out.
///
/// Syntax: `auto` (the larger of 5 GB and 5 % of the file system); a size, a number with a unit
/// `B`, `kB`, `MB`, `GB`, `TB` (powers of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024),
/// units case-insensitive, a space allowed before the unit (`500MB`, `5 GB`, `1.5GiB`); a
/// percentage of the file system's size, above 0 and below 100 (`5%`, `12.5 %`); or `0`: off.
public enum DiskWatermark: Equatable, Sendable, CustomStringConvertible {
    case automatic
    case bytes(Int64)
    case percent(Double)
    case off

    /// `auto`'s floor: 5 GB.
    public static let automaticFloor: Int64 = 5_000_000_000

    static let units: [(String, Double)] = [
        ("kib", 1024), ("mib", 1024 * 1024), ("gib", 1024 * 1024 * 1024), ("tib", 1024 * 1024 * 1024 * 1024),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("b", 1),
    ]

    public init?(setting: String) {
        let s = setting.trimmingCharacters(in: .whitespaces).lowercased()
        if s == "auto" { self = .automatic; return }
        if s == "0" { self = .off; return }
        if s.hasSuffix("%") {
            let number = s.dropLast().trimmingCharacters(in: .whitespaces)
            guard let p = Double(number), p.isFinite, p > 0, p < 100, Self.isPlainNumber(number) else { return nil }
            self = .percent(p)
            return
        }
        guard let (unit, factor) = Self.units.first(where: { s.hasSuffix($0.0) }) else { return nil }
        let number = s.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
        guard Self.isPlainNumber(number), let n = Double(number), n.isFinite, n > 0, n * factor < 1e18 else { return nil }
        self = .bytes(Int64((n * factor).rounded()))
    }

    /// Digits with at most one decimal point (no signs, exponents, `inf` or `nan`).
    static func isPlainNumber(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") } && s.filter { $0 == "." }.count <= 1
            && s != "."
    }

    /// The free bytes a file system of `totalBytes` must keep (0: no minimum).
    public func minimumFree(totalBytes: Int64) -> Int64 {
        switch self {
        case .off: 0
        case .bytes(let n): n
        case .percent(let p): Int64((Double(totalBytes) * p / 100).rounded(.up))
        case .automatic: max(Self.automaticFloor, Int64((Double(totalBytes) * 0.05).rounded(.up)))
        }
    }

    /// Once low, a folder is low until its free space is this much above the minimum (2 % of
    /// it), so a node at the edge does not flap between refusing and accepting.
    public static func resumeMargin(minimum: Int64) -> Int64 { minimum / 50 }

    public var description: String {
        switch self {
        case .automatic: "auto (the larger of 5 GB and 5 % of the file system)"
        case .bytes(let n): ByteCount.text(n)
        case .percent(let p): String(format: "%g", p) + " % of the file system"
        case .off: "off"
        }
    }

    /// The state after `samples`, given the one before (a folder low before resumes only above
    /// the minimum plus the resume margin). A folder that cannot be measured (missing) is not
    /// judged: the readiness check of the data folder reports it.
    public func evaluate(_ samples: [DiskState.Sample], previous: DiskState, now: Date) -> DiskState {
        var low: [String] = []
        for sample in samples {
            guard let free = sample.free, let total = sample.total else { continue }
            let minimum = minimumFree(totalBytes: total)
            guard minimum > 0 else { continue }
            let wasLow = previous.lowFolders.contains(sample.name)
            let needed = wasLow ? minimum + Self.resumeMargin(minimum: minimum) : minimum
            if free < needed { low.append(sample.name) }
        }
        var minimums: [String: Int64] = [:]
        for sample in samples {
            if let total = sample.total { minimums[sample.name] = minimumFree(totalBytes: total) }
        }
        let since = low.isEmpty ? nil : (previous.isLow ? previous.since ?? now : now)
        return DiskState(samples: samples, minimums: minimums, lowFolders: low, since: since, measuredAt: now)
    }
}
