import Foundation
import Pipeline

/// Reads settings for `NodeConfiguration.resolve`: each value is checked against its kind, then
/// converted; a refused value becomes a problem and the default stands in, so that resolution
/// goes on and one report names every mistake. It remembers which settings were read, so a
/// setting nobody reads is still checked (and a test sees it).
struct SettingsResolver {
    /// A value refused by a parser, with the reason ("must be …").
    struct Refusal: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    let values: SettingValues
    private(set) var problems: [ConfigurationReport.Problem]
    private(set) var consulted: Set<Setting> = []
    /// Settings whose value was refused (later checks that involve them stay silent).
    private(set) var refused: Set<Setting> = []

    init(_ values: SettingValues) {
        self.values = values
        problems = values.problems
    }

    /// The setting's value, checked against its kind and converted by `parse`; on a refusal, a
    /// problem and the default's conversion.
    mutating func value<T>(_ setting: Setting, _ parse: (String) throws -> T) -> T {
        consulted.insert(setting)
        let text = values[setting].text
        do {
            if let why = setting.kind.refusal(text) { throw Refusal(why) }
            return try parse(text)
        } catch {
            refuse(setting, (error as? Refusal)?.message ?? "\(error)")
            do { return try parse(setting.defaultValue) } catch {
                preconditionFailure("the default of \(setting.name) is refused: \(error)")
            }
        }
    }

    /// A problem with `setting`'s value, found by a check of several settings.
    mutating func refuse(_ setting: Setting, _ message: String) {
        guard !refused.contains(setting) else { return }
        refused.insert(setting)
        let v = values[setting]
        problems.append(ConfigurationReport.Problem(name: setting.name, value: shown(setting), source: v.source.description,
                                                    message: message))
    }

    /// The value as a report shows it: a secret masked.
    func shown(_ setting: Setting) -> String { setting.shown(values[setting].text) }

    /// `setting=value (source)`, for a message about another setting.
    func mention(_ setting: Setting) -> String { "\(setting.name)=\(shown(setting)) (\(values[setting].source))" }

    /// Settings `checkTheRest` found unread (a test requires none when every feature is on).
    private(set) var unread: [Setting] = []

    /// Checks every setting not read yet against its kind.
    mutating func checkTheRest() {
        unread = Setting.allCases.filter { !consulted.contains($0) }
        for s in unread { _ = value(s) { $0 } }
    }

    // MARK: - The plain kinds

    /// A plain kind's value, converted by the kind's own reader: what the reader cannot read,
    /// `Kind.refusal` has refused already (the default stands in then).
    private mutating func converted<T>(_ s: Setting, _ read: (String) -> T?) -> T {
        value(s) { text in
            guard let v = read(text) else { throw Refusal(s.kind.mustBe) }
            return v
        }
    }

    mutating func integer(_ s: Setting) -> Int { converted(s) { Int($0) } }

    mutating func seconds(_ s: Setting) -> TimeInterval { converted(s, Setting.Kind.seconds) }

    mutating func boolean(_ s: Setting) -> Bool { converted(s, Setting.Kind.boolean) }

    /// A `.choice` setting's word, lower case.
    mutating func choice(_ s: Setting) -> String { value(s) { $0.lowercased() } }

    /// A `.text` or `.aeTitle` setting (empty when optional and not set).
    mutating func text(_ s: Setting) -> String { value(s) { $0 } }

    /// A `.path(optional: false)` setting, made absolute.
    mutating func path(_ s: Setting) -> String { value(s) { PipelineConfiguration.absolute($0) } }

    /// A `.path(optional: true)` setting made absolute; nil when empty.
    mutating func optionalPath(_ s: Setting) -> String? {
        value(s) { $0.isEmpty ? nil : PipelineConfiguration.absolute($0) }
    }

    /// A file that must be readable (made absolute); nil when empty.
    mutating func readableFile(_ s: Setting) -> String? {
        value(s) { text -> String? in
            guard !text.isEmpty else { return nil }
            let path = PipelineConfiguration.absolute(text)
            guard FileManager.default.isReadableFile(atPath: path) else { throw SettingsResolver.Refusal("cannot read \(path)") }
            return path
        }
    }

    /// A `.url` setting; nil when optional and empty.
    mutating func url(_ s: Setting) -> URL? {
        converted(s) { text -> URL?? in text.isEmpty ? .some(nil) : Setting.Kind.httpURL(text) }
    }

    /// A comma-separated list, items trimmed, empty items dropped.
    static func list(_ text: String, separator: Character = ",") -> [String] {
        text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
