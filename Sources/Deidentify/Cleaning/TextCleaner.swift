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
        /// Needles of 4 characters or more (2 in East Asian scripts), no `otherdate`: what
        /// binary values are searched for.
        let binaryNeedles: NeedleSet
        /// The East Asian encodings binary values are read in too (BinaryText.eastAsianEncodings).
        let eastAsianEncodings: [String]
        /// Needles also matched in the digit view (spec 2.3).
        let digitForms: [Needle]
        /// Identifying numbers by their digits (TextCleaner.numberKey; leading zeros dropped
        /// too when 5 digits remain): an IS or DS value equal to one is replaced.
        let numbers: [UInt64: IdentifyingKind]
        let birthDates: [(Int, Int, Int)]
        let otherDates: Set<Int>
        /// The birth dates, then the other dates: what DateTriples compares with, and each one's kind.
        let protectedDates: [(Int, Int, Int)]
        let protectedKinds: [IdentifyingKind]
        let wholeIdentifiers: Set<[UInt8]>

        init(_ values: IdentifyingValues) {
            needles = NeedleSet(values.needles)
            // (And of 2 or 3 ideographs, kana or Hangul: 4 bytes or more in every encoding, as
            // unlikely by chance as 4 Latin letters.)
            binaryNeedles = NeedleSet(values.needles.filter { n in
                n.kind != .otherdate && (n.length >= 4 || n.length >= 2 && n.match == .anywhere && n.bytes.contains { $0 >= 0xE1 })
            })
            eastAsianEncodings = BinaryText.eastAsianEncodings(for: binaryNeedles.needles)
            digitForms = values.needles.filter(\.isDigitForm)
            var numbers: [UInt64: IdentifyingKind] = [:]
            for n in values.needles where n.bytes.allSatisfy(TextFold.isDigit) {
                var keys: [UInt64] = []
                if let exact = TextCleaner.numberKey(n.bytes[...], exact: true) { keys.append(exact) }
                if let stripped = TextCleaner.numberKey(n.bytes[...], exact: false) { keys.append(stripped) }
                for key in keys {
                    if let known = numbers[key], known < n.kind { continue }
                    numbers[key] = n.kind
                }
            }
            self.numbers = numbers
            birthDates = values.birthDates
            otherDates = values.otherDates
            let others = values.otherDates.sorted().map { ($0 / 10_000, $0 / 100 % 100, $0 % 100) }
            wholeIdentifiers = values.wholeIdentifiers
            protectedDates = values.birthDates + others
            protectedKinds = values.birthDates.map { _ in .birthdate } + others.map { _ in .otherdate }
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
        let across = values.count > 1 && TextCleaner.joinsValues(vr) ? spanning(values, scope: scope) : []
        for (i, v) in values.enumerated() {
            if let cleaned = cleanValue(v, scope: scope, removals: &removals, extra: across.isEmpty ? [] : across[i]) {
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
        // Numbers are searched as text too, but not in the digit view (equality decides).
        let scope = Scope(otherDates: true, digitView: false, patterns: false)
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
        /// Name needles under 6 characters apply. Not in coded values (CS, and the code
        /// attributes): a code is a defined term of a vocabulary (`TEXT`, `CT`, `HEAD`), and a
        /// short name part equal to one is a coincidence, not the name; longer parts, IDs,
        /// dates and contacts are still removed there. The PHI gate follows the same rule.
        var shortNames = true

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
            shortNames = vr != .CS && !(tag.map(TextCleaner.isCodeAttribute) ?? false)
        }

        init(otherDates: Bool, digitView: Bool, patterns: Bool) {
            self.otherDates = otherDates
            self.digitView = digitView
            self.patterns = patterns
            keepLineBreaks = false
        }
    }

    /// A handful of tags: compared one by one, cheaper than hashing.
    static func isCodeAttribute(_ tag: Tag) -> Bool { IdentifyingAttributes.codeTags.contains(tag.rawValue) }

    struct Hit {
        var lo: Int
        var hi: Int
        var kind: IdentifyingKind
    }

    /// Words (LO SH PN UC CS) whose values are also read run together: a name cut over two
    /// values (`HUNS\INGER`) is found in the values joined.
    static func joinsValues(_ vr: VR) -> Bool { vr == .LO || vr == .SH || vr == .PN || vr == .UC || vr == .CS }

    /// Per value, the parts of matches in the values joined (no separator) that span two or
    /// more values: each value loses its part.
    func spanning(_ values: [String], scope: Scope) -> [[(Range<Int>, IdentifyingKind)]] {
        var ends: [Int] = []
        var total = 0
        for v in values { total += v.utf8.count; ends.append(total) }
        // Needles, dates and the digit view only: patterns (a run of digits) across values
        // would join numbers that are apart on purpose.
        var joinedScope = scope
        joinedScope.patterns = false
        let ranges = hitRanges(values.joined(), scope: joinedScope)
        var out = [[(Range<Int>, IdentifyingKind)]](repeating: [], count: values.count)
        var any = false
        for (r, kind) in ranges {
            var start = 0
            var pieces: [(Int, Range<Int>)] = []
            for (i, end) in ends.enumerated() {
                let lo = max(r.lowerBound, start), hi = min(r.upperBound, end)
                if lo < hi { pieces.append((i, (lo - start)..<(hi - start))) }
                start = end
            }
            guard pieces.count > 1 else { continue }
            any = true
            for (i, piece) in pieces { out[i].append((piece, kind)) }
        }
        return any ? out : []
    }

    /// The ranges (UTF-8 offsets of `value`) of every hit, by kind.
    func hitRanges(_ value: String, scope: Scope) -> [(Range<Int>, IdentifyingKind)] {
        var copy = value
        return copy.withUTF8 { src in
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
            // Character references decoded (`Gro&szlig;kopf`): needles only.
            if let decoded = CharacterReferences.decode(src) {
                let (plain, variant) = FoldedText.make(String(decoding: decoded.text, as: UTF8.self))
                for folded in [plain] + (variant.map { [$0] } ?? []) {
                    var hits: [Hit] = []
                    folded.bytes.withUnsafeBufferPointer { findHits($0, scope: scope, variant: true, into: &hits) }
                    ranges += hits.map { (decoded.origin(folded.origin($0.lo, $0.hi)), $0.kind) }
                }
            }
            // Base64 runs (Base64Runs) whose decoded bytes hold an identifying value, read as
            // a binary value is: the whole run goes.
            if src.count >= Base64Runs.shortest {
                for run in Base64Runs.runs(src) {
                    let decoded = Base64Runs.decode(src, run)
                    if let found = findInReadings(decoded, vr: .OB, characterSet: .utf8) {
                        ranges.append((run, IdentifyingKind(rawValue: found) ?? .id))
                    }
                }
            }
            return ranges
        }
    }

    func cleanValue(_ value: String, scope: Scope, removals: inout [IdentifyingKind: Int],
                    extra: [(Range<Int>, IdentifyingKind)] = []) -> String? {
        guard !value.isEmpty else { return nil }
        let ranges = extra + hitRanges(value, scope: scope)
        guard !ranges.isEmpty else { return nil }
        var copy = value
        return copy.withUTF8 { src in
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
            if kind == .name && !scope.shortNames && hi - lo < 6 { return true }
            // A date component of a UID itself (DA DT TM UI: no digit view) is the UID's.
            if kind == .birthdate && !scope.digitView && lo > 0 && h[lo - 1] == 0x2E { return true }
            if kind != .otherdate || scope.otherDates { hits.append(Hit(lo: lo, hi: hi, kind: kind)) }
            return true
        }
        // The letter view: letters written apart read together (`f i t z`, `drumm-ondson`).
        if let view = LetterView.make(h) {
            view.bytes.withUnsafeBufferPointer { v in
                t.needles.forEachMatch(in: v) { k, lo, hi in
                    let kind = t.needles.kinds[k]
                    if kind == .name && !scope.shortNames && hi - lo < 6 { return true }
                    if kind != .otherdate || scope.otherDates {
                        let (a, b) = view.range(lo, hi)
                        hits.append(Hit(lo: a, hi: b, kind: kind))
                    }
                    return true
                }
            }
        }
        if variant { return }
        // A value that is, whole, an identifier too short to be a needle (not in DA DT TM UI).
        if scope.digitView && !t.wholeIdentifiers.isEmpty {
            var lo = 0, hi = h.count
            while lo < hi && h[lo] == 0x20 { lo += 1 }
            while hi > lo && h[hi - 1] == 0x20 { hi -= 1 }
            if (3...5).contains(hi - lo), t.wholeIdentifiers.contains(Array(h[lo..<hi])) { hits.append(Hit(lo: lo, hi: hi, kind: .id)) }
        }
        var digits = 0, hasAt = false, hasColonOrW = false
        for b in h {
            if TextFold.isDigit(b) { digits += 1 } else if b == 0x40 { hasAt = true } else if b == 0x3A || b == 0x77 { hasColonOrW = true }
        }
        if scope.digitView && digits >= 5 && !t.digitForms.isEmpty {
            let view = DigitView(h)
            for n in t.digitForms {
                view.matches(n.bytes, in: h, prefix: n.match == .datePrefix, component: n.kind == .id) { lo, hi in hits.append(Hit(lo: lo, hi: hi, kind: n.kind)) }
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
        // Any three tokens equal to a protected date (not in DA, DT, TM, UI).
        if digits >= 2 && scope.digitView && !t.protectedDates.isEmpty {
            DateTriples.scan(h, dates: scope.otherDates ? t.protectedDates : t.birthDates) { lo, hi, k in
                hits.append(Hit(lo: lo, hi: hi, kind: t.protectedKinds[k]))
                dates.append(lo..<hi)
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

    /// An IS or DS value's kind if it equals an identifying number: sign dropped, a
    /// fraction of zeros dropped, then the digits compared as written, or without leading
    /// zeros when 5 digits or more remain.
    func numberKind(_ value: String) -> IdentifyingKind? {
        var copy = TextCleaner.withoutExponent(value) ?? value
        return copy.withUTF8 { u -> IdentifyingKind? in
            var lo = 0, hi = u.count
            if lo < hi && (u[lo] == 0x2B || u[lo] == 0x2D) { lo += 1 }
            if let dot = u[lo..<hi].firstIndex(of: 0x2E) {
                guard u[(dot + 1)..<hi].allSatisfy({ $0 == 0x30 }) else { return nil }
                hi = dot
            }
            let digits = u[lo..<hi]
            guard !digits.isEmpty, digits.allSatisfy(TextFold.isDigit) else { return nil }
            if let key = TextCleaner.numberKey(digits, exact: true), let kind = tables.numbers[key] { return kind }
            if let key = TextCleaner.numberKey(digits, exact: false), let kind = tables.numbers[key] { return kind }
            return nil
        }
    }

    /// A DS in scientific notation written out when it is a whole number (`4.732199E6` is
    /// `4732199`), so that it is compared like one; nil for any other value.
    static func withoutExponent(_ value: String) -> String? {
        let u = Array(value.utf8)
        guard let e = u.firstIndex(where: { $0 == 0x45 || $0 == 0x65 }), e > 0,
              let exponent = Int(String(decoding: u[(e + 1)...], as: UTF8.self)), (0...18).contains(exponent) else { return nil }
        var mantissa = u[..<e]
        var sign: [UInt8] = []
        if let first = mantissa.first, first == 0x2B || first == 0x2D { sign = first == 0x2D ? [first] : []; mantissa = mantissa.dropFirst() }
        let dot = mantissa.firstIndex(of: 0x2E)
        let whole = dot.map { mantissa[..<$0] } ?? mantissa
        var fraction = dot.map { mantissa[($0 + 1)...] } ?? []
        while fraction.last == 0x30 { fraction = fraction.dropLast() }
        guard (whole + fraction).allSatisfy(TextFold.isDigit), !(whole + fraction).isEmpty, fraction.count <= exponent else { return nil }
        let digits = Array(whole) + Array(fraction) + Array(repeating: 0x30, count: exponent - fraction.count)
        return String(decoding: sign + digits, as: UTF8.self)
    }

    /// A number's key: its value and how many digits it is written with (`exact`), or its
    /// value alone, marked, when at least 5 digits remain without leading zeros. Nil for more
    /// than 18 digits (no IS or DS value holds those).
    static func numberKey<C: Collection>(_ digits: C, exact: Bool) -> UInt64? where C.Element == UInt8 {
        let significant = digits.drop { $0 == 0x30 }
        guard digits.count <= 18 else { return nil }
        if !exact && significant.count < 5 { return nil }
        var v: UInt64 = 0
        for d in significant { v = v * 10 + UInt64(d &- 0x30) }
        return v << 5 | (exact ? UInt64(digits.count) : 31)
    }

    static func byName(_ removals: [IdentifyingKind: Int]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (k, v) in removals { out[k.rawValue] = v }
        return out
    }
}
