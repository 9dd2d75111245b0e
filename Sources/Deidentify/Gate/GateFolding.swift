import Foundation

/// The PHI gate's folding of text (matching spec 2.1), written apart from the engine's:
/// 1. NFKC, 2. Default_Ignorable code points removed, 3. full lower case, then ß → ss,
/// 4. diacritics removed (canonical decomposition, marks of category Mn dropped, recomposed),
/// 5. letters with no decomposition made plain (ł l, ø o, þ th, æ ae, ς σ…), katakana as hiragana.
/// Where ä ö ü ø occur before step 4, a second form with ae oe ue oe is made as well.
///
/// Each scalar below U+0250 (ASCII, Latin-1, Latin Extended) folds on its own, from a table made
/// once with the full pipeline; runs of other scalars go through the pipeline as a whole. That
/// is the same answer as folding the whole text: normalisation only joins a base with the marks
/// or conjoining jamo after it, and a run that starts with such a mark takes the scalar before it
/// into the run.
enum GateFolding {
    /// Folded UTF-8, and the umlaut form when it differs.
    struct Folded {
        var text: [UInt8]
        var umlautForm: [UInt8]?
    }

    static func fold(_ s: String) -> Folded {
        var out = Output()
        var run = String.UnicodeScalarView()
        var runCarry: Unicode.Scalar? = nil   // the scalar before a run that starts with a mark
        var previous: Unicode.Scalar? = nil
        func flushRun() {
            guard !run.isEmpty else { return }
            if let carry = runCarry { run.insert(carry, at: run.startIndex) }
            let (plain, umlaut) = pipeline(String(run))
            out.append(Array(plain.utf8), umlaut.map { Array($0.utf8) })
            run.removeAll()
            runCarry = nil
        }
        for c in s.unicodeScalars {
            let v = c.value
            if v < 0x80 {
                flushRun()
                out.appendASCII(v >= 0x41 && v <= 0x5A ? UInt8(v) | 0x20 : UInt8(v))
            } else if v < 0x250 {
                flushRun()
                let entry = latinTable[Int(v)]
                out.append(entry.plain, entry.umlaut)
            } else if v == 0xFFFD {
                // The replacement character (undecodable bytes) folds to itself: no pipeline.
                flushRun()
                out.append([0xEF, 0xBF, 0xBD], nil)
            } else {
                if run.isEmpty, c.properties.canonicalCombiningClass.rawValue != 0 || isJamo(v), let p = previous, p.value < 0x250 {
                    out.dropLast(scalar: p)
                    runCarry = p
                }
                run.append(c)
            }
            previous = c
        }
        flushRun()
        return out.result
    }

    /// Latin-1 bytes (a binary value read as ISO 8859-1), folded through the table.
    static func fold(latin1 bytes: UnsafeRawBufferPointer) -> Folded {
        var out = Output()
        out.text.reserveCapacity(bytes.count)
        for b in bytes {
            if b < 0x80 {
                out.appendASCII(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            } else {
                let entry = latinTable[Int(b)]
                out.append(entry.plain, entry.umlaut)
            }
        }
        return out.result
    }

    /// Hangul conjoining jamo: they compose with the jamo before them.
    static func isJamo(_ v: UInt32) -> Bool {
        (0x1100...0x11FF).contains(v) || (0xA960...0xA97F).contains(v) || (0xD7B0...0xD7FF).contains(v)
    }

    /// The whole pipeline on a string: the plain fold and the umlaut form (nil if none).
    static func pipeline(_ s: String) -> (String, String?) {
        let compatible = s.precomposedStringWithCompatibilityMapping
        var kept = String.UnicodeScalarView()
        for c in compatible.unicodeScalars where !c.properties.isDefaultIgnorableCodePoint { kept.append(c) }
        let lower = String(kept).lowercased().replacingOccurrences(of: "ß", with: "ss")
        let hasUmlaut = lower.unicodeScalars.contains { $0 == "ä" || $0 == "ö" || $0 == "ü" || $0 == "ø" }
        let umlaut = hasUmlaut
            ? lower.replacingOccurrences(of: "ä", with: "ae").replacingOccurrences(of: "ö", with: "oe")
                .replacingOccurrences(of: "ü", with: "ue").replacingOccurrences(of: "ø", with: "oe")
            : nil
        return (withoutMarks(lower), umlaut.map(withoutMarks))
    }

    /// Step 4, then the letters that have no decomposition: see `plainLetters`.
    static func withoutMarks(_ s: String) -> String {
        var kept = String.UnicodeScalarView()
        for c in s.decomposedStringWithCanonicalMapping.unicodeScalars where c.properties.generalCategory != .nonspacingMark {
            if c.value >= 0x80, c.properties.generalCategory == .decimalNumber, let n = c.properties.numericValue, n >= 0, n <= 9 {
                kept.append(Unicode.Scalar(UInt32(0x30) + UInt32(n))!)   // Arabic-Indic, Devanagari…: the ASCII digit
            } else if let plain = plainLetters[c] { kept.append(contentsOf: plain.unicodeScalars) }
            else if (0x30A1...0x30F6).contains(c.value) { kept.append(Unicode.Scalar(c.value - 0x60)!) }   // katakana as hiragana
            else { kept.append(c) }
        }
        return String(kept).precomposedStringWithCanonicalMapping
    }

    /// Letters written without their stroke or as two letters, which no decomposition takes
    /// apart; the final sigma as the sigma its capital lower-cases to. (Katakana become
    /// hiragana: a reading is written in either.)
    static let plainLetters: [Unicode.Scalar: String] = [
        "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "æ": "ae", "œ": "oe", "ς": "σ",
    ]

    struct Entry {
        let plain: [UInt8]
        let umlaut: [UInt8]?
    }

    /// U+0000 to U+024F, each folded by the pipeline (made once, on first use).
    static let latinTable: [Entry] = (0..<0x250).map { v in
        let (plain, umlaut) = pipeline(String(Unicode.Scalar(UInt32(v))!))
        return Entry(plain: Array(plain.utf8), umlaut: umlaut.map { Array($0.utf8) })
    }

    /// Builds the plain form and, once an umlaut is seen, the umlaut form beside it.
    struct Output {
        var text: [UInt8] = []
        var umlaut: [UInt8]? = nil

        mutating func appendASCII(_ b: UInt8) {
            text.append(b)
            umlaut?.append(b)
        }

        mutating func append(_ plain: [UInt8], _ form: [UInt8]?) {
            if form != nil, umlaut == nil { umlaut = text }
            umlaut?.append(contentsOf: form ?? plain)
            text.append(contentsOf: plain)
        }

        /// Takes back what the scalar `p` (below U+0250) appended.
        mutating func dropLast(scalar p: Unicode.Scalar) {
            if p.value < 0x80 {
                text.removeLast()
                umlaut?.removeLast()
                return
            }
            let entry = GateFolding.latinTable[Int(p.value)]
            text.removeLast(entry.plain.count)
            umlaut?.removeLast((entry.umlaut ?? entry.plain).count)
        }

        /// (An umlaut taken back with its scalar leaves an umlaut form equal to the text: none.)
        var result: Folded { Folded(text: text, umlautForm: umlaut == text ? nil : umlaut) }
    }
}
