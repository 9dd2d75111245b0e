import DICOMCore

/// Cleans kept values of the de-identified copy (matching spec 4): removes from text every
/// form of the original's identifying values (IdentifyingValues) and the patterns that look
/// like someone's date, number, telephone, e-mail or URL; zeroes numbers equal to an
/// identifying number; reports binary values that hold an identifying value. Built once per
/// file; immutable, so one may be used from several threads.
///
/// Values are searched in their folded form (TextFold) and cleaned in their original one:
/// the characters that made a match are removed, the rest keeps its case and accents.
/// ASCII values (nearly all) are folded into a stack buffer and need no map back.
public struct TextCleaner: Sendable {
    /// What the cleaner searches with, built once and shared by copies (a copy of the cleaner
    /// is one reference, not one per table).
    final class Tables: Sendable {
        let needles: NeedleSet
        /// Needles of 4 characters or more, no `otherdate`: what binary values are searched for.
        let binaryNeedles: NeedleSet
        /// Needles also matched in the digit view (spec 2.3).
        let digitForms: [Needle]
        /// Identifying numbers by their digits (leading zeros dropped too when 5 digits
        /// remain): an IS or DS value equal to one is replaced.
        let numbers: [String: IdentifyingKind]
        let birthDates: [(Int, Int, Int)]
        let otherDates: Set<Int>

        init(_ values: IdentifyingValues) {
            needles = NeedleSet(values.needles)
            binaryNeedles = NeedleSet(values.needles.filter { $0.length >= 4 && $0.kind != .otherdate })
            digitForms = values.needles.filter(\.isDigitForm)
            var numbers: [String: IdentifyingKind] = [:]
            for n in values.needles where n.bytes.allSatisfy(TextFold.isDigit) {
                for form in [n.bytes, TextCleaner.withoutLeadingZeros(n.bytes)] where form == n.bytes || form.count >= 5 {
                    let key = String(decoding: form, as: UTF8.self)
                    if let known = numbers[key], known < n.kind { continue }
                    numbers[key] = n.kind
                }
            }
            self.numbers = numbers
            birthDates = values.birthDates
            otherDates = values.otherDates
        }
    }

    let tables: Tables

    public init(_ values: IdentifyingValues) {
        tables = Tables(values)
    }

    var needles: NeedleSet { tables.needles }
    var birthDates: [(Int, Int, Int)] { tables.birthDates }

    /// The values of one element after cleaning, and what was removed, by kind.
    public struct Cleaned: Sendable, Equatable {
        /// Every value, in its position: the cleaned ones changed (possibly empty), the others
        /// as they were.
        public var values: [String]
        /// Removals counted by kind (`name`, `id`, … `pattern:url`): never the values.
        public var removals: [String: Int]
    }

    /// Each value of a text element cleaned on its own (spec 4): every needle form found
    /// (`otherdate` not in DA, DT, TM, UI), and in free text (LO LT PN SH ST UC UR UT, not
    /// code attributes) the patterns. Whitespace left is collapsed, the value trimmed; a value
    /// left with no letter or digit becomes empty. IS and DS values go to `cleanNumbers`.
    /// Nil when nothing was removed. `tag`, if given, tells a code attribute (CodeValue…),
    /// whose digits are no pattern.
    public func clean(_ values: [String], vr: VR, tag: Tag? = nil) -> Cleaned? {
        if vr == .IS || vr == .DS { return cleanNumbers(values) }
        let scope = Scope(vr: vr, tag: tag)
        var out = values
        var removals: [IdentifyingKind: Int] = [:]
        var changed = false
        for (i, v) in values.enumerated() {
            if let cleaned = cleanValue(v, scope: scope, removals: &removals) {
                out[i] = cleaned
                changed = true
            }
        }
        return changed ? Cleaned(values: out, removals: TextCleaner.byName(removals)) : nil
    }

    /// IS and DS values (spec 4): a value equal, as digits, to an identifying number, or
    /// holding any needle form, is replaced by `0`. Nil when none is.
    public func cleanNumbers(_ values: [String]) -> Cleaned? {
        var out = values
        var removals: [IdentifyingKind: Int] = [:]
        var changed = false
        let scope = Scope(vr: .IS, tag: nil)
        for (i, v) in values.enumerated() {
            let value = NeedleForms.trimmed(v)
            guard !value.isEmpty else { continue }
            var kind = numberKind(value)
            if kind == nil {
                var hits: [Hit] = []
                var copy = value
                copy.withUTF8 { src in
                    withFolded(src) { h in findHits(h, scope: scope, variant: false, into: &hits) }
                }
                kind = hits.min { $0.kind < $1.kind }?.kind
            }
            if let kind {
                out[i] = "0"
                removals[kind, default: 0] += 1
                changed = true
            }
        }
        return changed ? Cleaned(values: out, removals: TextCleaner.byName(removals)) : nil
    }

    // MARK: one value

    /// What is searched in a value of a VR.
    struct Scope {
        /// `otherdate` needles and date readings apply (not in DA, DT, TM, UI).
        var otherDates: Bool
        /// The digit view applies (not in DA, DT, TM, UI).
        var digitView: Bool
        /// The patterns apply: free text only.
        var patterns: Bool
        /// Line breaks are kept when whitespace is collapsed (LT, ST, UT).
        var keepLineBreaks: Bool

        init(vr: VR, tag: Tag?) {
            let dateLike = vr == .DA || vr == .DT || vr == .TM || vr == .UI
            otherDates = !dateLike
            digitView = !dateLike
            switch vr {
            case .LO, .LT, .PN, .SH, .ST, .UC, .UR, .UT:
                patterns = !(tag.map(TextCleaner.isCodeAttribute) ?? false)
            default:
                patterns = false
            }
            keepLineBreaks = vr == .LT || vr == .ST || vr == .UT
        }

        init(otherDates: Bool, digitView: Bool, patterns: Bool) {
            self.otherDates = otherDates
            self.digitView = digitView
            self.patterns = patterns
            keepLineBreaks = false
        }
    }

    static func isCodeAttribute(_ tag: Tag) -> Bool { IdentifyingAttributes.codeTags.contains(tag.rawValue) }

    struct Hit {
        var lo: Int
        var hi: Int
        var kind: IdentifyingKind
    }

    func cleanValue(_ value: String, scope: Scope, removals: inout [IdentifyingKind: Int]) -> String? {
        guard !value.isEmpty else { return nil }
        var copy = value
        return copy.withUTF8 { src -> String? in
            var ranges: [(Range<Int>, IdentifyingKind)] = []
            if !src.contains(where: { $0 >= 0x80 }) {
                var hits: [Hit] = []
                withFolded(src) { h in findHits(h, scope: scope, variant: false, into: &hits) }
                ranges = hits.map { ($0.lo..<$0.hi, $0.kind) }
            } else {
                let (plain, variant) = FoldedText.make(value)
                var hits: [Hit] = []
                plain.bytes.withUnsafeBufferPointer { findHits($0, scope: scope, variant: false, into: &hits) }
                ranges = hits.map { (plain.origin($0.lo, $0.hi), $0.kind) }
                if let variant {
                    hits.removeAll()
                    variant.bytes.withUnsafeBufferPointer { findHits($0, scope: scope, variant: true, into: &hits) }
                    ranges += hits.map { (variant.origin($0.lo, $0.hi), $0.kind) }
                }
            }
            guard !ranges.isEmpty else { return nil }
            let merged = TextCleaner.merge(ranges, counting: &removals)
            return TextRemoval.remove(merged, from: src, keepLineBreaks: scope.keepLineBreaks)
        }
    }

    /// Folds ASCII bytes (lower case) into a temporary buffer for `body`.
    func withFolded<R>(_ src: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: src.count) { buffer in
            for i in 0..<src.count { buffer[i] = TextFold.lower(src[i]) }
            return body(UnsafeBufferPointer(buffer))
        }
    }

    /// Every match in folded text `h`: needles, digit forms in the digit view, dates; the
    /// patterns where the scope says. The umlaut variant of a text is searched for needles only.
    func findHits(_ h: UnsafeBufferPointer<UInt8>, scope: Scope, variant: Bool, into hits: inout [Hit]) {
        let t = tables
        t.needles.forEachMatch(in: h) { k, lo, hi in
            let kind = t.needles.kinds[k]
            if kind != .otherdate || scope.otherDates { hits.append(Hit(lo: lo, hi: hi, kind: kind)) }
            return true
        }
        if variant { return }
        var digits = 0, hasAt = false, hasColonOrW = false
        for b in h {
            if TextFold.isDigit(b) { digits += 1 } else if b == 0x40 { hasAt = true } else if b == 0x3A || b == 0x77 { hasColonOrW = true }
        }
        if scope.digitView && digits >= 5 && !t.digitForms.isEmpty {
            let view = DigitView(h)
            for n in t.digitForms {
                view.matches(n.bytes, in: h, prefix: n.match == .datePrefix) { lo, hi in hits.append(Hit(lo: lo, hi: hi, kind: n.kind)) }
            }
        }
        var dates: [Range<Int>] = []
        if digits >= 2 && (scope.patterns || !t.birthDates.isEmpty || (scope.otherDates && !t.otherDates.isEmpty)) {
            DateScanner.scan(h) { found in
                if let kind = classify(found, scope: scope) {
                    hits.append(Hit(lo: found.lo, hi: found.hi, kind: kind))
                    dates.append(found.lo..<found.hi)
                }
            }
        }
        guard scope.patterns else { return }
        let add = { (lo: Int, hi: Int, kind: IdentifyingKind) in hits.append(Hit(lo: lo, hi: hi, kind: kind)) }
        if digits >= 5 { TextPatterns.digitRuns(h, add) }
        if digits >= 7 { TextPatterns.phones(h, taken: dates, add) }
        if hasAt { TextPatterns.emails(h, add) }
        if hasColonOrW { TextPatterns.urls(h, add) }
    }

    /// What a date found means: the birth date, another date of the original, or (in free
    /// text) any date: years 1850 to 2100, or 2 digits except in the `4.11.58` form that
    /// version numbers share (`04.11.58` counts).
    func classify(_ f: DateScanner.Found, scope: Scope) -> IdentifyingKind? {
        let t = tables
        for (y, m, d) in f.readings {
            for (by, bm, bd) in t.birthDates where m == bm && d == bd && (f.twoDigitYear ? y == by % 100 : y == by) {
                return .birthdate
            }
        }
        if scope.otherDates && !f.twoDigitYear && f.readings.contains(where: { t.otherDates.contains($0.0 * 10_000 + $0.1 * 100 + $0.2) }) {
            return .otherdate
        }
        guard scope.patterns else { return nil }
        if f.twoDigitYear { return f.separator == 0x2E && !f.padded ? nil : .patternDate }
        return f.readings.contains { (1850...2100).contains($0.0) } ? .patternDate : nil
    }

    /// Ranges sorted and merged; each range not inside an earlier one counted once by its
    /// kind (a needle before a pattern over the same characters).
    static func merge(_ ranges: [(Range<Int>, IdentifyingKind)], counting removals: inout [IdentifyingKind: Int]) -> [Range<Int>] {
        let sorted = ranges.sorted {
            ($0.0.lowerBound, -$0.0.upperBound, $0.1.priority) < ($1.0.lowerBound, -$1.0.upperBound, $1.1.priority)
        }
        var merged: [Range<Int>] = []
        for (r, kind) in sorted where !r.isEmpty {
            if let last = merged.last, r.upperBound <= last.upperBound { continue }
            removals[kind, default: 0] += 1
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<r.upperBound
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    func numberKind(_ value: String) -> IdentifyingKind? {
        var digits = Array(value.utf8)
        if let first = digits.first, first == 0x2B || first == 0x2D { digits.removeFirst() }
        if let dot = digits.firstIndex(of: 0x2E) {
            guard digits[(dot + 1)...].allSatisfy({ $0 == 0x30 }) else { return nil }
            digits.removeSubrange(dot...)
        }
        guard !digits.isEmpty, digits.allSatisfy(TextFold.isDigit) else { return nil }
        return tables.numbers[String(decoding: digits, as: UTF8.self)]
            ?? tables.numbers[String(decoding: TextCleaner.withoutLeadingZeros(digits), as: UTF8.self)]
    }

    static func withoutLeadingZeros(_ d: [UInt8]) -> [UInt8] {
        let rest = d.drop { $0 == 0x30 }
        return rest.isEmpty ? [0x30] : Array(rest)
    }

    static func byName(_ removals: [IdentifyingKind: Int]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (k, v) in removals { out[k.rawValue] = v }
        return out
    }
}
