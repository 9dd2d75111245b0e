import DICOMCore
import Foundation

/// A user recipe in the header syntax of pydicom/deid (the seed system's `STUDY_DEID`), applied
/// to the top level of the data set after the profile:
///
///     FORMAT dicom
///     %header
///     ADD PatientIdentityRemoved YES        set, whether present or not
///     REPLACE PatientName var:entity_id     set, if present
///     REMOVE startswith:Referring           remove
///     BLANK StudyDescription                empty
///     KEEP SeriesDescription                keep the original value, cleaned like any kept text
///                                           (a sequence keeps the profile's cleaned items; a
///                                           date or time follows the date options: moved, or
///                                           real only under retain-full-dates)
///     JITTER StudyDate var:jitter           move a date the profile kept by days (a number, or
///                                           the patient's jitter); a removed date stays removed
///
/// Fields are keywords, tags (`00100010` or `(0010,0010)`), or `startswith:`, `endswith:`,
/// `contains:` on keywords. Values `var:NAME` are the identifiers: `entity_id` (the patient's
/// code), `item_id` (the study's), `jitter`, `entity_timestamp`, `item_timestamp`. Anything else
/// (other sections, `func:` values, unknown actions) is refused with its line number.
public struct Recipe: Sendable, Equatable {
    public enum Action: String, Sendable { case add = "ADD", replace = "REPLACE", remove = "REMOVE", blank = "BLANK", keep = "KEEP", jitter = "JITTER" }

    public enum Field: Sendable, Equatable {
        case tag(Tag)
        case startsWith(String)
        case endsWith(String)
        case contains(String)

        func matches(_ tag: Tag) -> Bool {
            switch self {
            case .tag(let t): return t == tag
            case .startsWith(let s), .endsWith(let s), .contains(let s):
                guard let keyword = DataDictionary.entry(for: tag)?.keyword, !keyword.isEmpty, !tag.isPrivate else { return false }
                switch self {
                case .startsWith: return keyword.lowercased().hasPrefix(s.lowercased())
                case .endsWith: return keyword.lowercased().hasSuffix(s.lowercased())
                default: return TextSearch.contains(keyword.lowercased(), s.lowercased())
                }
            }
        }
    }

    public struct Line: Sendable, Equatable {
        public let number: Int
        public let action: Action
        public let field: Field
        public let value: String?
    }

    public let lines: [Line]
    public let source: String

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    static let variables: Set<String> = ["entity_id", "item_id", "jitter", "entity_timestamp", "item_timestamp"]

    /// This recipe's lines, then `other`'s.
    public func appending(_ other: Recipe) -> Recipe {
        Recipe(lines: lines + other.lines, source: source + " + " + other.source)
    }

    public static func parse(_ text: String, source: String) throws -> Recipe {
        var lines: [Line] = []
        var section: String? = nil
        var problems: [String] = []
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = n + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func problem(_ why: String) { problems.append("\(source):\(number): \(why)") }
            if line.uppercased().hasPrefix("FORMAT") {
                if line.split(separator: " ").dropFirst().first?.lowercased() != "dicom" { problem("only FORMAT dicom is supported") }
                continue
            }
            if line.hasPrefix("%") {
                section = String(line.dropFirst()).lowercased()
                if section != "header" { problem("section %\(section!) is not supported (only %header)") }
                continue
            }
            guard section == "header" else {
                problem("a line outside %header")
                continue
            }
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
            guard let action = Action(rawValue: words[0].uppercased()) else {
                problem("unknown action \(words[0]) (ADD, REPLACE, REMOVE, BLANK, KEEP, JITTER)")
                continue
            }
            guard words.count >= 2 else {
                problem("\(action.rawValue) needs a field")
                continue
            }
            guard let field = field(words[1]) else {
                problem("unknown field \(words[1])")
                continue
            }
            let value = words.count > 2 ? words[2].trimmingCharacters(in: .whitespaces) : nil
            switch action {
            case .add, .replace, .jitter:
                guard let value, !value.isEmpty else {
                    problem("\(action.rawValue) needs a value")
                    continue
                }
                if value.hasPrefix("func:") { problem("func: values are not supported") ; continue }
                if value.hasPrefix("var:"), !variables.contains(String(value.dropFirst(4))) {
                    problem("unknown variable \(value) (one of \(variables.sorted().map { "var:" + $0 }.joined(separator: ", ")))")
                    continue
                }
                if action == .jitter, value != "var:jitter", Int(value) == nil {
                    problem("JITTER needs a number of days or var:jitter")
                    continue
                }
                if action == .add {
                    guard case .tag = field else {
                        problem("ADD needs one attribute, not a pattern")
                        continue
                    }
                }
            case .remove, .blank, .keep:
                if value != nil { problem("\(action.rawValue) takes no value") ; continue }
            }
            lines.append(Line(number: number, action: action, field: field, value: value))
        }
        if !problems.isEmpty { throw ParseError(description: problems.joined(separator: "\n")) }
        return Recipe(lines: lines, source: source)
    }

    static func field(_ text: String) -> Field? {
        let lower = text.lowercased()
        for (prefix, make) in [("startswith:", Field.startsWith), ("endswith:", Field.endsWith), ("contains:", Field.contains)] where lower.hasPrefix(prefix) {
            let rest = String(text.dropFirst(prefix.count))
            return rest.isEmpty ? nil : make(rest)
        }
        if let entry = DataDictionary.entry(forKeyword: text) { return .tag(entry.tag) }
        let hex = text.filter { $0.isHexDigit }
        if hex.count == 8, text.allSatisfy({ $0.isHexDigit || "(),".contains($0) }), let raw = UInt32(hex, radix: 16) { return .tag(Tag(raw)) }
        return nil
    }

    /// Carries the recipe out on `output` (the profile's result), with `original` for KEEP and
    /// JITTER.
    /// `keep` is the engine's handling of a kept value (text cleaned, binary searched), so a
    /// value KEEP brings back is no less cleaned than one the profile keeps.
    func apply(to output: inout DataSet, original: DataSet, identifiers: IdentifiersResponse, log: ActionLog,
               keep: (DataElement) -> DataElement?) {
        for line in lines {
            let tags: [Tag]
            if case .tag(let t) = line.field {
                tags = [t]
            } else {
                tags = Set(output.tags + original.tags).filter { line.field.matches($0) }.sorted()
            }
            for tag in tags {
                log.record(line.action == .remove ? .removed : .replaced, tag, at: [],
                           reason: "recipe \((source as NSString).lastPathComponent) line \(line.number): \(line.action.rawValue)")
                switch line.action {
                case .remove: output.remove(tag)
                case .blank:
                    if let e = output[tag] ?? original[tag] {
                        output.set(e.items != nil ? DataElement(sequence: tag, items: [], hasUndefinedLength: false) : DataElement(tag: tag, vr: e.vr, value: .empty))
                    }
                case .keep:
                    // A sequence keeps what the profile left (its items cleaned): the original
                    // items would bring back everything the profile removed inside them.
                    if let e = original[tag], e.items == nil, e.vr != .UN || DataDictionary.vr(for: tag) != .SQ {
                        if let kept = keep(e) { output.set(kept) } else { output.remove(tag) }
                    }
                case .add, .replace:
                    if line.action == .replace && output[tag] == nil && original[tag] == nil { continue }
                    let vr = original[tag]?.vr ?? DataDictionary.vr(for: tag)
                    if vr == .SQ { continue }
                    output.set(DataElement(tag: tag, vr: vr == .UN ? .LO : vr, string: value(line.value!, identifiers)))
                case .jitter:
                    // Only a date the profile kept (or moved) is moved, from its original value;
                    // one the profile removed or emptied (a birth date) stays so.
                    guard let e = original[tag], e.vr == .DA || e.vr == .DT,
                          let kept = output[tag], !kept.isEmpty else { continue }
                    let days = line.value == "var:jitter" ? identifiers.jitterDays : Int(line.value!)!
                    if let moved = DateShifter.shift(e.strings(), vr: e.vr, days: days) {
                        output.set(DataElement(tag: tag, vr: e.vr, strings: moved))
                    } else {
                        output.set(DataElement(tag: tag, vr: e.vr, value: .empty))
                    }
                }
            }
        }
    }

    func value(_ text: String, _ ids: IdentifiersResponse) -> String {
        guard text.hasPrefix("var:") else { return text }
        switch text.dropFirst(4) {
        case "entity_id": return ids.entityCode
        case "item_id": return ids.itemCode
        case "jitter": return String(ids.jitterDays)
        case "entity_timestamp": return ids.results.first?.jittered_timestamp ?? ""
        case "item_timestamp": return ids.results.first?.items.first?.jittered_timestamp ?? ""
        default: return ""
        }
    }
}
