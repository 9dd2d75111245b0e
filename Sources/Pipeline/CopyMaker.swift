import DICOMCore
import DICOMFile
import Deidentify
import Foundation

/// One original to its outbox copy, the same for `sendit serve` and `sendit deid`: read it
/// (text values loaded, so nothing escapes the checks), let the burned-in rules hold it, run
/// the engine, and place the copy through the PHI gate.
public struct CopyMaker: Sendable {
    public let engine: Deidentifier
    public let outbox: Outbox
    public let rules: BurnedInRules
    public let gateScope: PHIGate.Scope
    /// A project's drop rules: an image that matches one (a localizer, a scout, a dose screen
    /// nobody wants) is not de-identified nor sent; checked before the burned-in rules.
    public var drop: [Drop] = []

    /// A drop rule: its name and its conditions (the burned-in rules' language).
    public struct Drop: Sendable, Equatable {
        public let name: String
        public let conditions: [BurnedInRules.Condition]
        public init(name: String, conditions: [BurnedInRules.Condition]) {
            self.name = name
            self.conditions = conditions
        }
    }

    public init(engine: Deidentifier, outbox: Outbox, rules: BurnedInRules) {
        self.engine = engine
        self.outbox = outbox
        self.rules = rules
        gateScope = PHIGate.Scope(settings: engine.settings)
    }

    public enum Outcome: Sendable {
        case placed(Deidentifier.Output, Outbox.Placed)
        /// A burned-in rule names it: nothing written.
        case held(rule: String)
        /// A drop rule names it: nothing written, nothing sent.
        case dropped(rule: String)
        /// The file's own fault (unreadable, truncated, no UIDs) or the gate's refusal: nothing
        /// written. `gate` says which.
        case refused(reason: String, gate: PHIGate.Hit?)
    }

    /// `identifiers` gives the replacement identifiers for the original's data set. Throws
    /// only what is not the file's own fault (the outbox or the identifiers cannot be had).
    public func make(_ path: String, applyRules: Bool = true, explain: Bool = false,
                     identifiers: (DataSet) throws -> IdentifiersResponse) throws -> Outcome {
        do {
            var input = try Part10File.read(path: path)
            input.dataSet = try Deidentifier.loadingText(input.dataSet)
            if let rule = drop.first(where: { $0.conditions.allSatisfy { $0.matches(input.dataSet) } }) { return .dropped(rule: rule.name) }
            if applyRules, let rule = rules.holdingRule(for: input.dataSet) { return .held(rule: rule) }
            let output: Deidentifier.Output
            do {
                output = try engine.deidentify(input, identifiers: try identifiers(input.dataSet), explain: explain)
            } catch let hold as Deidentifier.Hold {
                // Video and the like: a person must look at it. Released, it still cannot be
                // rebuilt or checked, so it fails with the reason instead of going out unchecked.
                if !applyRules { return .refused(reason: "released, but \(hold.reason): sendit cannot de-identify it", gate: nil) }
                return .held(rule: "\(hold.rule): \(hold.reason)")
            }
            do {
                return .placed(output, try outbox.place(output, gate: PHIGate(original: input.dataSet, scope: gateScope)))
            } catch let hit as PHIGate.Hit {
                return .refused(reason: "\(hit)", gate: hit)
            }
        } catch let error as DICOMReadError {
            return .refused(reason: "cannot read \(path): \(error)", gate: nil)
        } catch let error as Deidentifier.Refusal {
            return .refused(reason: "cannot de-identify: \(error)", gate: nil)
        } catch let error as IdentifiersResponse.Invalid {
            return .refused(reason: "\(error)", gate: nil)
        }
    }
}
