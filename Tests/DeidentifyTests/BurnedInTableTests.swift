import DICOMCore
@testable import Deidentify
import Foundation
import Testing
import TestSupport

/// The built-in burned-in rules give every storage SOP class of spec/dicom/storage-sop-classes.tsv
/// a verdict, computed here from the rules and checked against the allowlist's intent: what
/// normally carries no text goes; what PS3.3 makes say BurnedInAnnotation (Type 1) goes when it
/// says NO, but for the families held whatever they say; everything else is held, and YES
/// always holds.
@Suite struct BurnedInTableTests {
    /// Allowed with no BurnedInAnnotation at all, with the modality they must carry.
    static let alwaysAllowed: [String: String?] = [
        "CTImageStorage": "CT", "EnhancedCTImageStorage": "CT", "LegacyConvertedEnhancedCTImageStorage": "CT",
        "MRImageStorage": "MR", "EnhancedMRImageStorage": "MR", "EnhancedMRColorImageStorage": "MR",
        "LegacyConvertedEnhancedMRImageStorage": "MR",
        "PositronEmissionTomographyImageStorage": "PT", "EnhancedPETImageStorage": "PT", "LegacyConvertedEnhancedPETImageStorage": "PT",
        "NuclearMedicineImageStorage": "NM",
        "RTPlanStorage": nil, "RTIonPlanStorage": nil, "RTStructureSetStorage": nil, "RTDoseStorage": nil,
        "SegmentationStorage": nil, "SurfaceSegmentationStorage": nil, "LabelMapSegmentationStorage": nil,
        "HeightMapSegmentationStorage": nil,
    ]

    /// Classes whose IOD makes BurnedInAnnotation Type 1 but that are held even when they say
    /// NO, each family with its reason (docs/deidentification-operations.md, Burned-in text).
    static let heldWhateverTheySay: [String: String] = [
        "MultiFrameSingleBitSecondaryCaptureImageStorage": "secondary capture: made by capturing screens and scans",
        "MultiFrameGrayscaleByteSecondaryCaptureImageStorage": "secondary capture",
        "MultiFrameGrayscaleWordSecondaryCaptureImageStorage": "secondary capture",
        "MultiFrameTrueColorSecondaryCaptureImageStorage": "secondary capture",
        "EnhancedUSVolumeStorage": "ultrasound: every class held",
        "OphthalmicPhotography8BitImageStorage": "ophthalmic", "OphthalmicPhotography16BitImageStorage": "ophthalmic",
        "OphthalmicTomographyImageStorage": "ophthalmic",
        "WideFieldOphthalmicPhotographyStereographicProjectionImageStorage": "ophthalmic",
        "WideFieldOphthalmicPhotography3DCoordinatesImageStorage": "ophthalmic",
        "OphthalmicOpticalCoherenceTomographyEnFaceImageStorage": "ophthalmic",
        "OphthalmicOpticalCoherenceTomographyBscanVolumeAnalysisStorage": "ophthalmic",
        "OphthalmicThicknessMapStorage": "ophthalmic", "CornealTopographyMapStorage": "ophthalmic",
        "EncapsulatedPDFStorage": "document: its content is not cleaned", "EncapsulatedCDAStorage": "document",
        "EncapsulatedSTLStorage": "3D model", "EncapsulatedOBJStorage": "3D model", "EncapsulatedMTLStorage": "3D model",
    ]

    /// Allowed when they say NO although BurnedInAnnotation is Type 3 in their IODs (the older
    /// XA and RF).
    static let allowedWhenNoBeyondPS33: Set<String> = ["XRayAngiographicImageStorage", "XRayRadiofluoroscopicImageStorage"]

    struct StorageClass {
        let uid: String
        let keyword: String
    }

    static func storageClasses() throws -> [StorageClass] {
        let table = try SpecTSV("dicom/storage-sop-classes.tsv")
        try #require(table.columns.contains("uid") && table.columns.contains("keyword"))
        return table.rows.map { StorageClass(uid: $0["uid"] ?? "", keyword: $0["keyword"] ?? "") }
    }

    /// The PS3.3 tables (2020), the project's copy.
    static func ps33Folder() -> String? {
        let folder = DeidFixture.repository + "/spec/dicom/ps3.3"
        return FileManager.default.fileExists(atPath: folder + "/module-attributes.tsv") ? folder : nil
    }

    static func rows(_ path: String) throws -> [[String]] { try SpecTSV(path: path).cells }

    /// SOP Class UIDs whose IOD has a module in which BurnedInAnnotation (0028,0301) is Type 1
    /// or 1C, from PS3.3's tables.
    static func burnedInAnnotationType1(in folder: String) throws -> Set<String> {
        let modules = Set(try rows(folder + "/module-attributes.tsv").filter { $0.count >= 3 && $0[1] == "00280301" && $0[2].hasPrefix("1") }.map { $0[0] })
        let iods = Set(try rows(folder + "/iod-modules.tsv").filter { $0.count >= 2 && modules.contains($0[1]) }.map { $0[0] })
        return Set(try rows(folder + "/sop-class-iods.tsv").filter { $0.count >= 3 && iods.contains($0[2]) }.map { $0[0] })
    }

    func probe(_ c: StorageClass, _ elements: [DataElement]) -> BurnedInRules.Decision {
        var ds = DataSet([DataElement(tag: .sopClassUID, vr: .UI, string: c.uid),
                          DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY"])])
        if let modality = Self.alwaysAllowed[c.keyword] ?? nil { ds.set(DataElement(tag: .modality, vr: .CS, string: modality)) }
        for e in elements { ds.set(e) }
        return BurnedInRules.standard.decision(for: ds)
    }

    @Test func everyStorageSOPClassGetsTheVerdictTheAllowlistMeans() throws {
        let classes = try Self.storageClasses()
        #expect(classes.count == StorageSOPClass.all.count && classes.count > 200)
        guard let folder = Self.ps33Folder() else {
            Issue.record("PS3.3 tables not found in spec/dicom/ps3.3")
            return
        }
        let type1 = try Self.burnedInAnnotationType1(in: folder)
        let byUID = Dictionary(uniqueKeysWithValues: classes.map { ($0.uid, $0.keyword) })
        // The PS3.3 list: 43 classes in the 2020 tables, all of them storage classes we know.
        #expect(type1.count >= 40 && type1.allSatisfy { byUID[$0] != nil }, "\(type1.sorted())")
        let type1Keywords = Set(type1.compactMap { byUID[$0] })
        #expect(Set(Self.heldWhateverTheySay.keys).isSubset(of: type1Keywords), "every exclusion is a Type 1 class")
        let allowedWhenNo = type1Keywords.subtracting(Self.heldWhateverTheySay.keys).union(Self.allowedWhenNoBeyondPS33)

        var table: [String] = []
        var wrong: [String] = []
        for c in classes {
            let plain = probe(c, [])
            let no = probe(c, [DataElement(tag: .burnedInAnnotation, vr: .CS, string: "NO")])
            let yes = probe(c, [DataElement(tag: .burnedInAnnotation, vr: .CS, string: "YES")])
            let expectPlain: BurnedInRules.Verdict = Self.alwaysAllowed.keys.contains(c.keyword) ? .allow : .hold
            let expectNo: BurnedInRules.Verdict = expectPlain == .allow || allowedWhenNo.contains(c.keyword) ? .allow : .hold
            table.append("\(c.keyword)\t\(plain.verdict.rawValue) \(plain.rule ?? "-")\t\(no.verdict.rawValue) \(no.rule ?? "-")")
            if plain.verdict != expectPlain || no.verdict != expectNo || yes != .init(verdict: .hold, rule: "burned-in-annotation") {
                wrong.append("\(c.keyword): \(plain.verdict)/\(no.verdict)/\(yes.verdict), expected \(expectPlain)/\(expectNo)/hold")
            }
            // Held means held under a name a person can read.
            #expect(plain.rule != nil && no.rule != nil, "\(c.keyword)")
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
        // Most classes are held; the allowlist stays short.
        let allowedPlain = table.filter { $0.split(separator: "\t")[1].hasPrefix("allow") }.count
        #expect(allowedPlain == Self.alwaysAllowed.count)
        if ProcessInfo.processInfo.environment["SENDIT_PRINT_BURNED_IN_TABLE"] != nil { print(table.joined(separator: "\n")) }
    }

    /// The rules' says-no list is exactly PS3.3's Type 1 classes but the held families (and the
    /// enhanced cross-sectional ones, also allowed without it): nothing typed there by guess.
    @Test func theSaysNoRuleListsPS33sType1ClassesButTheHeldFamilies() throws {
        guard let folder = Self.ps33Folder() else {
            Issue.record("PS3.3 tables not found in spec/dicom/ps3.3")
            return
        }
        let type1 = try Self.burnedInAnnotationType1(in: folder)
        let keywords = Dictionary(uniqueKeysWithValues: try Self.storageClasses().map { ($0.uid, $0.keyword) })
        let rules = BurnedInRules.standard.rules
        let saysNo = rules.filter { rule in
            rule.verdict == .allow && rule.conditions.contains { $0.keyword == "BurnedInAnnotation" && $0.values == ["NO"] }
        }
        let listed = Set(saysNo.flatMap { rule in rule.conditions.filter { $0.keyword == "SOPClassUID" }.flatMap(\.values) })
        let expected = type1.filter { !Self.heldWhateverTheySay.keys.contains(keywords[$0] ?? "") }
            .union(Self.allowedWhenNoBeyondPS33.map { kw in keywords.first { $0.value == kw }!.key })
        let extra = listed.subtracting(expected).compactMap { keywords[$0] }, missing = expected.subtracting(listed).compactMap { keywords[$0] }
        #expect(listed == expected, "listed but not Type 1: \(extra); Type 1 but not listed: \(missing)")
    }
}
