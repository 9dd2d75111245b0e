import DICOMCore
import DICOMFile

/// The values the engine writes from constants (matching spec 3, last paragraph), which the gate
/// does not search: De-identification Method (0012,0063) and the items of De-identification
/// Method Code Sequence (0012,0064), each value only when it is exactly one the engine writes
/// (a CID 7050 meaning or code, or `sendit recipe <file name>` for the recipe in use). The
/// writer's own Implementation Class UID and Version Name (`SENDIT_…`) in the File Meta
/// Information likewise (an institution called "Sendit General" must not refuse every copy).
/// A value that differs in any way is searched like any other.
struct EngineWrittenValues: Sendable {
    let methods: Set<String>
    let codeValues: Set<String>
    let schemes: Set<String>
    let meanings: Set<String>

    /// Without a recipe (made once).
    static let standard = EngineWrittenValues(recipeName: nil)

    init(recipeName: String?) {
        // The engine writes each meaning cut to LO's 64 characters.
        let meanings = Set(DeidentificationMethodCode.all.map { String($0.meaning.prefix(64)) })
        var methods = meanings
        if let recipeName { methods.insert(String(("sendit recipe " + recipeName).prefix(64))) }
        self.methods = methods
        self.meanings = meanings
        codeValues = Set(DeidentificationMethodCode.all.map(\.value))
        schemes = Set(DeidentificationMethodCode.all.map(\.scheme))
    }

    /// Whether `value` of element `tag`, whose parent sequence is `parent`, is a constant.
    func isConstant(_ value: String, tag: Tag, parent: Tag?) -> Bool {
        if tag == .deidentificationMethod { return methods.contains(value) }
        if tag == .implementationVersionName { return value == Part10Writer.implementationVersionName }
        if tag == .implementationClassUID { return value == Part10Writer.implementationClassUID.rawValue }
        guard parent == .deidentificationMethodCodeSequence else { return false }
        switch tag {
        case .codeValue: return codeValues.contains(value)
        case .codingSchemeDesignator: return schemes.contains(value)
        case .codeMeaning: return meanings.contains(value)
        default: return false
        }
    }
}
