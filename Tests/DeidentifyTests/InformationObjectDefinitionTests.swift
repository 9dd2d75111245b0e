import DICOMCore
@testable import Deidentify
import Testing
import TestSupport

/// The generated IOD tables against spec/dicom/ps3.3 read here, independently of scripts/generate.
@Suite struct InformationObjectDefinitionTests {
    static let ctImage = "1.2.840.10008.5.1.4.1.1.2"
    static let enhancedCTImage = "1.2.840.10008.5.1.4.1.1.2.1"

    /// PS3.3 as the TSV files say it: per IOD, its modules and functional group macros; per
    /// module or macro, the types listed for each path.
    struct PS33 {
        var iodOfSOPClass: [String: String] = [:]
        var modulesOfIOD: [String: [String]] = [:]
        var macrosOfIOD: [String: [String]] = [:]
        var moduleTypes: [String: [String: [String]]] = [:]   // module -> path -> types listed
        var macroTypes: [String: [String: [String]]] = [:]

        init() throws {
            for r in try SpecTSV("dicom/ps3.3/sop-class-iods.tsv").rows { iodOfSOPClass[r["sop_class_uid"]!] = r["ciod"]! }
            for r in try SpecTSV("dicom/ps3.3/iod-modules.tsv").rows { modulesOfIOD[r["ciod"]!, default: []].append(r["module"]!) }
            for r in try SpecTSV("dicom/ps3.3/iod-functional-group-macros.tsv").rows { macrosOfIOD[r["ciod"]!, default: []].append(r["macro"]!) }
            for r in try SpecTSV("dicom/ps3.3/module-attributes.tsv").rows { moduleTypes[r["module"]!, default: [:]][r["path"]!, default: []].append(r["type"]!) }
            for r in try SpecTSV("dicom/ps3.3/macro-attributes.tsv").rows { macroTypes[r["macro"]!, default: [:]][r["path"]!, default: []].append(r["type"]!) }
        }

        /// The strictest type any of `members` lists for `path`, as PS3.3 prints it; nil if none.
        static func strictest(_ path: String, in members: [String], of table: [String: [String: [String]]]) -> String? {
            let order = ["1", "1C", "2", "2C", "3"]
            let listed = members.flatMap { table[$0]?[path] ?? [] }
            return listed.min { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }
        }

        func expected(iod: String, path: String) -> String? {
            PS33.strictest(path, in: modulesOfIOD[iod] ?? [], of: moduleTypes)
        }

        func expectedInFunctionalGroup(iod: String, path: String) -> String? {
            PS33.strictest(path, in: macrosOfIOD[iod] ?? [], of: macroTypes)
        }
    }

    static func tags(_ path: String) -> [Tag] {
        path.split(separator: "/").map { Tag(SpecTSV.tag(String($0))!) }
    }

    @Test func ctImageTypes() throws {
        let iod = try #require(InformationObjectDefinition.forSOPClass(Self.ctImage))
        #expect(iod.id == "ct-image")
        #expect(iod.type(at: [.patientName]) == .type2)
        #expect(iod.type(at: [.sopInstanceUID]) == .type1)
        #expect(iod.type(at: [.deviceSerialNumber]) == .type3)        // General Equipment: Type 3
        #expect(iod.type(at: [.referencedStudySequence]) == .type3)   // General Study
        #expect(iod.type(at: [.referencedStudySequence, .referencedSOPClassUID]) == .type1)
        #expect(iod.type(at: [.referencedSOPClassUID]) == nil)        // only inside sequences
        #expect(iod.type(at: [.sharedFunctionalGroupsSequence]) == nil)
        #expect(iod.type(at: []) == nil)
        // Overlay Plane (a U module): any even group 6000-601E; never a private group.
        #expect(iod.type(at: [Tag(0x6000_0010)]) == .type1)
        #expect(iod.type(at: [Tag(0x601E_0010)]) == .type1)
        #expect(iod.type(at: [Tag(0x6001_0010)]) == nil)
        #expect(iod.type(at: [Tag(0x6020_0010)]) == nil)
    }

    @Test func enhancedCTFunctionalGroups() throws {
        let iod = try #require(InformationObjectDefinition.forSOPClass(Self.enhancedCTImage))
        #expect(iod.id == "enhanced-ct-image")
        let pixelSpacing: [Tag] = [.pixelMeasuresSequence, .pixelSpacing]
        #expect(iod.type(at: [.sharedFunctionalGroupsSequence] + pixelSpacing) == .type1C)
        #expect(iod.type(at: [.perFrameFunctionalGroupsSequence] + pixelSpacing) == .type1C)
        #expect(iod.type(at: [.perFrameFunctionalGroupsSequence, .ctAcquisitionTypeSequence, .acquisitionType]) == .type1C)
        #expect(iod.type(at: [.perFrameFunctionalGroupsSequence, .frameAnatomySequence, .anatomicRegionSequence]) == .type1)
        #expect(iod.type(at: pixelSpacing) == nil)                    // macros apply only inside the items
        #expect(iod.type(at: [.sharedFunctionalGroupsSequence]) == .type1)
        let ct = try #require(InformationObjectDefinition.forSOPClass(Self.ctImage))
        #expect(ct.type(at: [.perFrameFunctionalGroupsSequence] + pixelSpacing) == nil)
    }

    @Test func unknownSOPClass() {
        #expect(InformationObjectDefinition.forSOPClass("1.2.840.10008.5.1.4.1.1.2.999") == nil)
        #expect(InformationObjectDefinition.forSOPClass("") == nil)
        #expect(InformationObjectDefinition.forSOPClass(Self.ctImage + " ") == nil)
        #expect(InformationObjectDefinition(id: "no-such-iod") == nil)
    }

    @Test func everySOPClassOfTheTable() throws {
        let ps33 = try PS33()
        #expect(InformationObjectDefinition.knownSOPClassUIDs.sorted() == ps33.iodOfSOPClass.keys.sorted())
        for (uid, iod) in ps33.iodOfSOPClass {
            #expect(InformationObjectDefinition.forSOPClass(uid)?.id == iod, "\(uid)")
        }
    }

    /// Every path of every module of CT Image, and a stride sample of every other IOD's paths,
    /// read back equal to the strictest type the TSV lists for it in the IOD's modules; sampled
    /// functional group paths likewise, under both functional group sequences.
    @Test func typesEqualTheTable() throws {
        let ps33 = try PS33()
        var checked = 0, mismatches: [String] = []
        for iodID in Set(ps33.iodOfSOPClass.values).sorted() {
            let iod = try #require(InformationObjectDefinition(id: iodID))
            let paths = Set(ps33.modulesOfIOD[iodID]!.flatMap { ps33.moduleTypes[$0]!.keys }).sorted()
            let stride = iodID == "ct-image" ? 1 : 37
            for path in Swift.stride(from: 0, to: paths.count, by: stride).map({ paths[$0] }) {
                checked += 1
                let got = iod.type(at: Self.tags(path))?.description
                if got != ps33.expected(iod: iodID, path: path) { mismatches.append("\(iodID) \(path): \(got ?? "nil")") }
            }
            let fgPaths = Set((ps33.macrosOfIOD[iodID] ?? []).flatMap { ps33.macroTypes[$0]!.keys }).sorted()
            for (n, path) in fgPaths.enumerated() where n % 11 == 0 {
                for fg in [Tag.sharedFunctionalGroupsSequence, .perFrameFunctionalGroupsSequence] {
                    checked += 1
                    let got = iod.type(at: [fg] + Self.tags(path))?.description
                    if got != ps33.expectedInFunctionalGroup(iod: iodID, path: path) { mismatches.append("\(iodID) FG \(path): \(got ?? "nil")") }
                }
            }
        }
        #expect(checked > 5_000)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    /// Paths of modules the IOD does not have (and no module it has lists) are not in the IOD.
    @Test func pathsOfOtherModulesAreNotInTheIOD() throws {
        let ps33 = try PS33()
        let iod = try #require(InformationObjectDefinition.forSOPClass(Self.ctImage))
        let own = Set(ps33.modulesOfIOD["ct-image"]!.flatMap { ps33.moduleTypes[$0]!.keys })
        var checked = 0
        for module in ["rt-general-plan", "enhanced-mr-image", "sr-document-content", "waveform"] {
            for path in ps33.moduleTypes[module]!.keys.sorted() where !own.contains(path) {
                let tags = Self.tags(path)
                guard Set(tags).count == tags.count else { continue }   // a repeated tag may fold onto a path CT has
                checked += 1
                #expect(iod.type(at: tags) == nil, "\(path)")
            }
        }
        #expect(checked > 100)
    }

    /// Where two modules of one IOD list a path with different types, the strictest wins.
    @Test func strictestTypeWins() throws {
        let ps33 = try PS33()
        var found = 0
        for iodID in Set(ps33.iodOfSOPClass.values).sorted() {
            let modules = ps33.modulesOfIOD[iodID]!
            var seen: [String: Set<String>] = [:]
            for m in modules { for (path, types) in ps33.moduleTypes[m]! { seen[path, default: []].formUnion(types) } }
            let iod = try #require(InformationObjectDefinition(id: iodID))
            for (path, types) in seen where types.count > 1 {
                found += 1
                #expect(iod.type(at: Self.tags(path))?.description == ps33.expected(iod: iodID, path: path), "\(iodID) \(path) \(types)")
            }
        }
        #expect(found > 0)
    }

    /// The SR content tree is listed one level deep; deeper Content Sequence items fold onto it.
    @Test func recursiveContentSequence() throws {
        let ps33 = try PS33()
        let uid = try #require(ps33.iodOfSOPClass.first { $0.value == "comprehensive-sr" }?.key)
        let iod = try #require(InformationObjectDefinition.forSOPClass(uid))
        let level1 = try #require(ps33.expected(iod: "comprehensive-sr", path: "0040A730/0040A040"))
        #expect(ps33.expected(iod: "comprehensive-sr", path: "0040A730/0040A730/0040A040") == nil)
        #expect(iod.type(at: [.contentSequence, .valueType])?.description == level1)
        #expect(iod.type(at: [.contentSequence, .contentSequence, .valueType])?.description == level1)
        #expect(iod.type(at: [.contentSequence, .contentSequence, .contentSequence, .valueType])?.description == level1)
        #expect(iod.type(at: [.contentSequence, .contentSequence, .patientName]) == nil)
    }

    @Test func typesOrderStrictestFirst() {
        #expect(AttributeType.allCases.map(\.description) == ["1", "1C", "2", "2C", "3"])
        #expect(AttributeType.allCases == AttributeType.allCases.sorted())
        #expect(AttributeType.type2C.unconditional == .type2)
    }

    /// Many threads asking for IODs at once get the same answers (the lazy cache is shared).
    @Test func concurrentLookUps() async throws {
        let uids = InformationObjectDefinition.knownSOPClassUIDs
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { uids.map { InformationObjectDefinition.forSOPClass($0)?.id ?? "" } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(ids).count == 1)
        #expect(ids.first?.contains("") == false)
    }
}
