import Foundation

extension Setting {
    /// What a setting's value may be. The plain kinds are checked here; a `special` one is
    /// checked by the parser `NodeConfiguration.resolve` gives it, and says in words what it
    /// allows (for the report and the reference).
    enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        /// A number of seconds above 0 and at most a day.
        case seconds
        /// A number of seconds, 0 or more (0: never).
        case secondsOrZero
        case boolean
        /// One of these words, in any case.
        case choice([String])
        /// An AE title: 1 to 16 characters, no backslash; `optional`: or empty.
        case aeTitle(optional: Bool)
        case text(optional: Bool)
        case path(optional: Bool)
        /// An http or https URL with a host.
        case url(optional: Bool)
        case special(type: String, allowed: String)

        /// The type, in a word or two.
        var type: String {
            switch self {
            case .integer: "integer"
            case .seconds, .secondsOrZero: "seconds"
            case .boolean: "boolean"
            case .choice: "choice"
            case .aeTitle: "AE title"
            case .text: "text"
            case .path: "path"
            case .url: "URL"
            case .special(let type, _): type
            }
        }

        /// What is allowed, in words.
        var allowed: String {
            switch self {
            case .integer(let range): "an integer from \(range.lowerBound) to \(range.upperBound)"
            case .seconds: "a number of seconds above 0, at most 86400"
            case .secondsOrZero: "a number of seconds, 0 or more"
            case .boolean: "true or false (also yes/no, on/off, 1/0)"
            case .choice(let words): words.count < 2 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words[words.count - 1]
            case .aeTitle(let optional): "1 to 16 characters, no backslash" + (optional ? "; or empty" : "")
            case .text(let optional): optional ? "any text" : "not empty"
            case .path(let optional): optional ? "a path, or empty" : "a path (not empty)"
            case .url(let optional): "an http(s) URL" + (optional ? ", or empty" : "")
            case .special(_, let allowed): allowed
            }
        }

        /// "must be " what is allowed: the refusal of a value this kind cannot take.
        var mustBe: String { "must be \(allowed)" }

        /// Why `text` is refused ("must be …"), or nil if it is allowed. A `special` kind is
        /// checked by its parser; here only for control characters, which no setting allows.
        func refusal(_ text: String) -> String? {
            if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                return "must not contain control characters"
            }
            let allowedHere: Bool
            switch self {
            case .integer(let range): allowedHere = Int(text).map(range.contains) ?? false
            case .seconds: allowedHere = Self.seconds(text).map { $0 > 0 && $0 <= 86_400 } ?? false
            case .secondsOrZero: allowedHere = Self.seconds(text).map { $0 >= 0 } ?? false
            case .boolean: allowedHere = Self.boolean(text) != nil
            case .choice(let words): allowedHere = words.contains(text.lowercased())
            case .aeTitle(let optional): allowedHere = (optional && text.isEmpty) || Self.isAETitle(text)
            case .text(let optional), .path(let optional): allowedHere = optional || !text.isEmpty
            case .url(let optional): allowedHere = (optional && text.isEmpty) || Self.httpURL(text) != nil
            case .special: allowedHere = true
            }
            return allowedHere ? nil : mustBe
        }

        // The readers of the plain kinds: what `refusal` checks with, and what the resolver's
        // accessors (`SettingsResolver.integer`, `seconds`, …) convert with.

        static func seconds(_ text: String) -> Double? {
            guard let v = Double(text), v.isFinite else { return nil }
            return v
        }

        static func boolean(_ text: String) -> Bool? {
            switch text.lowercased() {
            case "true", "yes", "on", "1": true
            case "false", "no", "off", "0": false
            default: nil
            }
        }

        static func isAETitle(_ text: String) -> Bool {
            (1...16).contains(text.utf8.count) && !text.contains("\\") && !text.allSatisfy { $0 == " " }
        }

        static func httpURL(_ text: String) -> URL? {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else { return nil }
            return url
        }
    }
}
