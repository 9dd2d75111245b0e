import DICOMCore
import Synchronization

/// A composite IOD of PS3.3: which attributes its modules have, where, and of which type. The
/// de-identifier asks it to resolve Table E.1-1's compound actions (X/Z, X/D, X/Z/D, X/Z/U*:
/// Type 1 → D, Type 2 → Z, Type 3 or not in the IOD → X) and to keep, as a dummy or empty, an
/// attribute the IOD makes Type 1 or 2 rather than removing it.
///
/// Generated from spec/dicom/ps3.3 (PS3.3 2020, 140 SOP classes). Every module of the IOD counts,
/// whatever its usage: an attribute of a C or U module is in the IOD whenever it is present,
/// which is the only case the de-identifier asks about. A SOP class newer than 2020 has no IOD
/// here (`forSOPClass` returns nil), and the caller must fall back to its safe default.
public struct InformationObjectDefinition: Sendable {
    /// The IOD's id in PS3.3's web edition, e.g. "ct-image", "enhanced-ct-image".
    public let id: String
    /// Per node of the path tree (`nodes`): this IOD's type there as an AttributeType raw
    /// value, 0 where no module of the IOD has that path.
    let moduleTypes: [UInt8]
    /// Likewise inside a functional group item, from the IOD's functional group macros; empty
    /// for an IOD without functional groups.
    let functionalGroupTypes: [UInt8]

    /// The IOD of a SOP class, or nil when the tables do not know the class.
    public static func forSOPClass(_ uid: String) -> InformationObjectDefinition? {
        let uids = sopClassUIDs
        var lo = 0, hi = uids.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if uids[mid] < uid { lo = mid + 1 } else { hi = mid }
        }
        guard lo < uids.count, uids[lo] == uid else { return nil }
        return definition(Int(sopClassIODs[lo]))
    }

    /// The IOD with this id, or nil.
    public init?(id: String) {
        guard let index = InformationObjectDefinition.iodIDs.firstIndex(of: id) else { return nil }
        self = InformationObjectDefinition.definition(index)
    }

    /// The SOP classes the tables know, ascending.
    public static var knownSOPClassUIDs: [String] { sopClassUIDs }

    /// The type of the attribute at `path` (enclosing sequences' tags, then its own tag) in this
    /// IOD; nil when the IOD does not have it there ("not in the IOD"). Where several modules of
    /// the IOD have the same path, the strictest type wins (1 before 1C, 2, 2C, 3). Inside Shared
    /// and Per-frame Functional Groups Sequence items, the IOD's functional group macros apply.
    /// Overlay tags of any group 6000-601E are looked up as 60xx.
    public func type(at path: [Tag]) -> AttributeType? { type(at: path[...]) }

    public func type(at path: ArraySlice<Tag>) -> AttributeType? {
        guard let first = path.first else { return nil }
        if path.count > 1 && (first == .sharedFunctionalGroupsSequence || first == .perFrameFunctionalGroupsSequence) {
            return InformationObjectDefinition.type(of: path.dropFirst(), in: functionalGroupTypes)
        }
        return InformationObjectDefinition.type(of: path, in: moduleTypes)
    }

    static func type(of path: ArraySlice<Tag>, in types: [UInt8]) -> AttributeType? {
        guard !types.isEmpty else { return nil }
        if let node = node(at: path), types[node] != 0 { return AttributeType(rawValue: types[node]) }
        guard let shorter = folded(path) else { return nil }
        return type(of: shorter[...], in: types)
    }

    /// PS3.3 defines some sequences recursively (a Content Sequence item holds a Content Sequence,
    /// a Referenced SOP Sequence may nest), and the tables list one level of them. A path that
    /// repeats a tag is the same attribute as the path with the part between the two
    /// occurrences removed; nil when no tag repeats.
    static func folded(_ path: ArraySlice<Tag>) -> [Tag]? {
        let tags = Array(path)
        for j in tags.indices.dropFirst() {
            if let i = tags[..<j].firstIndex(of: tags[j]) {
                return Array(tags[...i] + tags[(j + 1)...])
            }
        }
        return nil
    }

    /// The node of `path` in the path tree, nil when no module or macro has it.
    static func node(at path: ArraySlice<Tag>) -> Int? {
        var parent: UInt64 = 0   // node + 1; 0 is the top level
        for tag in path {
            guard let child = children[parent << 32 | UInt64(normalized(tag))] else { return nil }
            parent = UInt64(child) + 1
        }
        return parent == 0 ? nil : Int(parent - 1)
    }

    /// Overlay attributes (60xx,eeee) of an even group 6000-601E as the tables write them.
    @inline(__always) static func normalized(_ tag: Tag) -> UInt32 {
        let low = tag.rawValue >> 16 & 0xFF
        guard low != 0, low <= 0x1E, low & 1 == 0 else { return tag.rawValue }
        let base = tag.rawValue & 0xFF00_FFFF
        return repeatingTags.contains(base) ? base : tag.rawValue
    }

    /// (parent node + 1) << 32 | tag → node: the path tree's edges, which is how `nodes` writes them.
    static let children: [UInt64: Int32] = {
        var edges: [UInt64: Int32] = [:]
        edges.reserveCapacity(nodes.count)
        for (node, edge) in nodes.enumerated() { edges[edge] = Int32(node) }
        return edges
    }()

    /// IODs built so far, by index: each is built once, on first use.
    private static let built = Mutex<[Int: InformationObjectDefinition]>([:])

    static func definition(_ index: Int) -> InformationObjectDefinition {
        if let known = built.withLock({ $0[index] }) { return known }
        let made = InformationObjectDefinition(index: index)
        return built.withLock { cache in
            if let raced = cache[index] { return raced }
            cache[index] = made
            return made
        }
    }

    private init(index: Int) {
        typealias IOD = InformationObjectDefinition
        id = IOD.iodIDs[index]
        moduleTypes = IOD.types(of: IOD.iodModules[Int(IOD.iodModuleStarts[index])..<Int(IOD.iodModuleStarts[index + 1])],
                                starts: IOD.moduleRowStarts, rows: IOD.moduleRows)
        functionalGroupTypes = IOD.types(of: IOD.iodMacros[Int(IOD.iodMacroStarts[index])..<Int(IOD.iodMacroStarts[index + 1])],
                                         starts: IOD.macroRowStarts, rows: IOD.macroRows)
    }

    /// The strictest type per node over the rows of `members` (modules or macros).
    static func types(of members: ArraySlice<UInt16>, starts: [Int32], rows: [UInt32]) -> [UInt8] {
        guard !members.isEmpty else { return [] }
        var types = [UInt8](repeating: 0, count: nodes.count)
        for member in members {
            for row in rows[Int(starts[Int(member)])..<Int(starts[Int(member) + 1])] {
                let node = Int(row >> 3), type = UInt8(row & 7)
                if types[node] == 0 || type < types[node] { types[node] = type }
            }
        }
        return types
    }
}
