import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// The engine's decisions that do not depend on text matching: compound actions by the IOD,
/// attributes without a row, UIDs, dates, sequences under D, SR subject items, graphics,
/// overlays, normalisation, the pseudonym's form and the explanation.
@Suite struct WalkDecisionTests {
    static let ct = UID.ctImageStorage.rawValue

    /// A CT image's minimal header plus `extra`.
    static func ctDataSet(_ extra: [DataElement] = [], sopClass: String = ct) -> DataSet {
        var ds = DataSet([
            DataElement(tag: .sopClassUID, vr: .UI, string: sopClass),
            DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.555.1.1"),
            DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.555.2"),
            DataElement(tag: .seriesInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.555.3"),
            DataElement(tag: .patientName, vr: .PN, string: "Quinterra^Maelis"),
            DataElement(tag: .patientID, vr: .LO, string: "QM-4410527"),
            DataElement(tag: .modality, vr: .CS, string: "CT"),
        ])
        for e in extra { ds.set(e) }
        return ds
    }

    static func run(_ ds: DataSet, options: Set<ProfileOption> = DeidentificationSettings.defaultOptions,
                    explain: Bool = false, settings: (inout DeidentificationSettings) -> Void = { _ in }) throws -> Deidentifier.Output {
        var s = DeidentificationSettings(profile: try ConfidentialityProfile(options: options))
        settings(&s)
        return try Deidentifier(settings: s, uids: DeidFixture.uids)
            .deidentify(DeidFixture.file(ds), identifiers: DeidFixture.identifiers, explain: explain)
    }

    // MARK: compound actions

    @Test func compoundActionsFollowTheAttributeTypeInTheIOD() {
        typealias S = SimpleAction
        #expect(S.resolve(.xz, type: .type2, iodKnown: true) == .z)
        #expect(S.resolve(.xz, type: .type3, iodKnown: true) == .x)
        #expect(S.resolve(.xz, type: nil, iodKnown: true) == .x)   // not in the IOD
        #expect(S.resolve(.xd, type: .type1, iodKnown: true) == .d)
        #expect(S.resolve(.xd, type: .type1C, iodKnown: true) == .d)
        #expect(S.resolve(.xd, type: .type3, iodKnown: true) == .x)
        #expect(S.resolve(.xzd, type: .type2C, iodKnown: true) == .z)
        #expect(S.resolve(.zd, type: .type1, iodKnown: true) == .d)
        #expect(S.resolve(.zd, type: .type3, iodKnown: true) == .z)
        #expect(S.resolve(.xzu, type: .type1, iodKnown: true) == .u)
        #expect(S.resolve(.xzu, type: .type2, iodKnown: true) == .u)
        #expect(S.resolve(.xzu, type: .type3, iodKnown: true) == .x)
        // Without the IOD's tables: what keeps any IOD whole.
        #expect(S.resolve(.xz, type: nil, iodKnown: false) == .z)
        #expect(S.resolve(.xzd, type: nil, iodKnown: false) == .d)
        #expect(S.resolve(.xzu, type: nil, iodKnown: false) == .u)
    }

    @Test func institutionNameGoesFromACTButIsADummyWhereTheIODRequiresIt() throws {
        // InstitutionName is X/Z/D; Type 3 in CT Image. In an IOD the tables do not know, D.
        let extra = [DataElement(tag: .institutionName, vr: .LO, string: "Shelbyville Memorial")]
        #expect(try Self.run(Self.ctDataSet(extra)).file.dataSet[.institutionName] == nil)
        let unknown = try Self.run(Self.ctDataSet(extra, sopClass: "1.2.826.0.1.3680043.10.555.99"))
        #expect(unknown.file.dataSet.string(.institutionName) == DummyValue.text)
    }

    // MARK: attributes without a row

    @Test func attributesWithoutARowThatIdentifyAreRemovedAndDescriptorsKept() throws {
        let out = try Self.run(Self.ctDataSet([
            DataElement(tag: .contactURI, vr: .UR, string: "tel:+16505550142"),
            DataElement(tag: .contactDisplayName, vr: .LO, string: "Nurse Quinterra"),
            DataElement(tag: .hl7InstanceIdentifier, vr: .ST, string: "QM-4410527^^^HOSP"),
            DataElement(tag: .ownerID, vr: .SH, string: "OWN77"),
            DataElement(tag: .deviceID, vr: .LO, string: "DEV-0091"),
            DataElement(tag: .placerOrderNumberImagingServiceRequestRetired, vr: .SH, string: "PL991"),
            DataElement(tag: .fillerOrderNumberImagingServiceRequestRetired, vr: .SH, string: "FI992"),
            DataElement(tag: .manufacturer, vr: .LO, string: "BENCH MEDICAL SYSTEMS"),
            DataElement(tag: .convolutionKernel, vr: .SH, string: "B30f"),
            DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY", "AXIAL"]),
        ])).file.dataSet
        for tag in [Tag.contactURI, .contactDisplayName, .hl7InstanceIdentifier, .ownerID, .deviceID,
                    .placerOrderNumberImagingServiceRequestRetired, .fillerOrderNumberImagingServiceRequestRetired] {
            #expect(out[tag] == nil, "\(tag) should be removed")
        }
        #expect(out.string(.manufacturer) == "BENCH MEDICAL SYSTEMS")
        #expect(out.string(.convolutionKernel) == "B30f")
        #expect(out.strings(.imageType) == ["ORIGINAL", "PRIMARY", "AXIAL"])
    }

    @Test(arguments: [AttributeType.type1, .type2])
    func aRemovedAttributeTheIODRequiresBecomesADummyOrEmpty(_ wanted: AttributeType) throws {
        // Found from the tables: a text attribute without a row that the review removes (or
        // calls narrative), and an IOD that makes it `wanted` at the top level.
        let removed = DataDictionary.allEntries.filter { e in
            e.mask == 0xFFFF_FFFF && [.remove, .narrative].contains(AttributePolicy.withoutRow(e.tag))
                && [VR.LO, .SH, .ST, .LT].contains(e.vr)
        }
        var found: (String, Tag)? = nil
        search: for sop in InformationObjectDefinition.knownSOPClassUIDs {
            let iod = try #require(InformationObjectDefinition.forSOPClass(sop))
            for e in removed {
                guard let t = iod.type(at: [e.tag]), wanted == .type1 ? t.isType1 : t.isType2 else { continue }
                found = (sop, e.tag)
                break search
            }
        }
        let (sop, tag) = try #require(found, "no IOD makes such an attribute Type \(wanted.label)")
        let out = try Self.run(Self.ctDataSet([DataElement(tag: tag, vr: DataDictionary.vr(for: tag), string: "QM4410527")],
                                              sopClass: sop)).file.dataSet
        let e = try #require(out[tag], "\(tag) is Type \(wanted.label) in \(sop) and must stay")
        #expect(wanted == .type1 ? e.string() == DummyValue.text : e.isEmpty)
    }

    @Test func aValueInAVRItsTagDoesNotHaveIsRemoved() throws {
        // SliceThickness is DS; sent as LO with a name in it.
        let out = try Self.run(Self.ctDataSet([DataElement(tag: .sliceThickness, vr: .LO, string: "Quinterra")])).file.dataSet
        #expect(out[.sliceThickness] == nil || out[.sliceThickness]!.string() != "Quinterra")
    }

    @Test func unknownPublicAttributesAreRemoved() throws {
        let unknown = Tag(group: 0x0019 - 1, element: 0x9F9F)   // (0018,9F9F): not in the dictionary
        #expect(DataDictionary.entry(for: unknown) == nil)
        let out = try Self.run(Self.ctDataSet([DataElement(tag: unknown, vr: .LO, string: "anything")])).file.dataSet
        #expect(out[unknown] == nil)
    }

    // MARK: UIDs

    @Test func everyUIDNotInTheRegistryIsRemappedAndClassesKeepOnlyKnownValues() throws {
        let privateClass = "1.2.826.0.1.3680043.10.555.4410527"
        let out = try Self.run(Self.ctDataSet([
            DataElement(tag: .relatedGeneralSOPClassUID, vr: .UI, strings: [UID.mrImageStorage.rawValue, privateClass]),
            DataElement(tag: .codingSchemeUID, vr: .UI, string: "2.16.840.1.113883.6.96"),   // SNOMED CT
            DataElement(tag: .multiFrameSourceSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.555.1.1"),
            DataElement(tag: .sopInstanceUIDOfConcatenationSource, vr: .UI, string: "1.2.826.0.1.3680043.10.555.1.1"),
            DataElement(sequence: .referencedImageSequence, items: [DataSet([
                DataElement(tag: .referencedSOPClassUID, vr: .UI, string: Self.ct),
                DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.555.1.7"),
            ])]),
        ], sopClass: Self.ct)).file.dataSet
        let related = out.strings(.relatedGeneralSOPClassUID)
        #expect(related.first == UID.mrImageStorage.rawValue)
        #expect(related.count == 2 && related[1] != privateClass && related[1].hasPrefix("2.25."))
        #expect(out.string(.codingSchemeUID) == "2.16.840.1.113883.6.96")
        // A concatenation's source is remapped like the instance it names.
        let sop = try #require(out.string(.sopInstanceUID))
        #expect(out.string(.multiFrameSourceSOPInstanceUID) == sop)
        #expect(out.string(.sopInstanceUIDOfConcatenationSource) == sop)
    }

    @Test func aPrivateSOPClassIsKeptWhereTheInstanceNamesItself() throws {
        let privateClass = "1.2.826.0.1.3680043.10.555.77"
        let ds = Self.ctDataSet([DataElement(sequence: .referencedImageSequence, items: [DataSet([
            DataElement(tag: .referencedSOPClassUID, vr: .UI, string: privateClass),
            DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.555.1.7"),
        ])])], sopClass: privateClass)
        let out = try Self.run(ds).file.dataSet
        #expect(out.string(.sopClassUID) == privateClass)
        #expect(out[.referencedImageSequence]?.items?.first?.string(.referencedSOPClassUID) == privateClass)
    }

    // MARK: dates

    @Test func datesWithoutARowFollowTheDatePolicy() throws {
        let extra = [DataElement(tag: .studyUpdateDateTime, vr: .DT, string: "20190305101500")]
        let moved = try Self.run(Self.ctDataSet(extra)).file.dataSet.string(.studyUpdateDateTime)
        #expect(moved == "20190221101500")   // -12 days
        #expect(try Self.run(Self.ctDataSet(extra), options: []).file.dataSet[.studyUpdateDateTime] == nil)
        #expect(try Self.run(Self.ctDataSet(extra), options: [.retainLongitudinalFullDates]).file.dataSet
            .string(.studyUpdateDateTime) == "20190305101500")
    }

    @Test func srSubjectBirthDateItemsGoAndDateItemsMove() throws {
        func item(_ code: String, _ meaning: String, _ value: DataElement, type: String) -> DataSet {
            DataSet([
                DataElement(tag: .valueType, vr: .CS, string: type),
                DataElement(sequence: .conceptNameCodeSequence, items: [DataSet([
                    DataElement(tag: .codeValue, vr: .SH, string: code),
                    DataElement(tag: .codingSchemeDesignator, vr: .SH, string: "DCM"),
                    DataElement(tag: .codeMeaning, vr: .LO, string: meaning),
                ])]),
                value,
            ])
        }
        let content = DataElement(sequence: .contentSequence, items: [
            item("121031", "Subject Birth Date", DataElement(tag: .date, vr: .DA, string: "19581104"), type: "DATE"),
            item("111060", "Study Date", DataElement(tag: .date, vr: .DA, string: "20190305"), type: "DATE"),
        ])
        let out = try Self.run(Self.ctDataSet([content], sopClass: UID.comprehensiveSRStorage.rawValue)).file.dataSet
        let items = try #require(out[.contentSequence]?.items)
        #expect(items.count == 1)
        #expect(items.first?.string(.date) == "20190221")
    }

    // MARK: sequences, graphics, overlays

    @Test func aSequenceThatIdentifiesGetsADummyItemNeverItsOwn() throws {
        let out = try Self.run(Self.ctDataSet([DataElement(sequence: .performingPhysicianIdentificationSequence, items: [DataSet([
            DataElement(sequence: .personIdentificationCodeSequence, items: [DataSet([
                DataElement(tag: .codeValue, vr: .SH, string: "EMP77123"),
                DataElement(tag: .codingSchemeDesignator, vr: .SH, string: "HOSPSTAFF"),
                DataElement(tag: .codeMeaning, vr: .LO, string: "Quinterra Maelis"),
            ])]),
            DataElement(tag: .personName, vr: .PN, string: "Quinterra^Maelis"),
        ])])]), options: [.cleanDescriptors, .retainLongitudinalModifiedDates]).file
        let bytes = try Self.written(out)
        for planted in ["EMP77123", "HOSPSTAFF", "Quinterra", "Maelis"] {
            #expect(!Self.contains(bytes, planted), "\(planted) survived")
        }
    }

    @Test func graphicTextObjectsGoWithoutCleanGraphicsAndOverlaysGoWhole() throws {
        let annotation = DataElement(sequence: .graphicAnnotationSequence, items: [DataSet([
            DataElement(tag: .graphicLayer, vr: .CS, string: "LAYER1"),
            DataElement(sequence: .textObjectSequence, items: [DataSet([
                DataElement(tag: .unformattedTextValue, vr: .ST, string: "Quinterra 1958-11-04"),
            ])]),
        ])])
        let overlayDescription = DataElement(tag: Tag(group: 0x6000, element: 0x0022), vr: .LO, string: "Quinterra overlay")
        let overlayLabel = DataElement(tag: Tag(group: 0x6002, element: 0x1500), vr: .LO, string: "QM-4410527")
        let gsps = UID.grayscaleSoftcopyPresentationStateStorage.rawValue
        let basic = try Self.run(Self.ctDataSet([annotation, overlayDescription, overlayLabel], sopClass: gsps), options: []).file.dataSet
        #expect(basic[.graphicAnnotationSequence] == nil)   // its only item held text alone
        #expect(!basic.contains { $0.tag.group & 0xFF00 == 0x6000 })
        let cleaned = try Self.run(Self.ctDataSet([annotation], sopClass: gsps), options: [.cleanGraphics, .cleanDescriptors]).file.dataSet
        #expect(cleaned[.graphicAnnotationSequence]?.items?.first?[.textObjectSequence] != nil)
    }

    // MARK: normalisation, pseudonym, explanation

    @Test func aRepeatedTagIsRefused() throws {
        // Two PatientName elements: read leniently, the reader reports the repeat.
        var bytes: [UInt8] = []
        func element(_ g: UInt16, _ e: UInt16, _ vr: String, _ value: String) {
            var v = Array(value.utf8)
            if v.count & 1 == 1 { v.append(0x20) }
            bytes += [UInt8(g & 0xFF), UInt8(g >> 8), UInt8(e & 0xFF), UInt8(e >> 8)] + Array(vr.utf8)
                + [UInt8(v.count & 0xFF), UInt8(v.count >> 8)] + v
        }
        element(0x0008, 0x0016, "UI", Self.ct)
        element(0x0008, 0x0018, "UI", "1.2.3.4")
        element(0x0010, 0x0010, "PN", "Hidden^Name")
        element(0x0010, 0x0010, "PN", "Shown^Name")
        let parsed = try Part10File.readDataSet(bytes: bytes, transferSyntax: .explicitVRLittleEndian)
        let repeated = parsed.warnings.contains { $0.isRepeatedTag }
        #expect(repeated)
        var file = Part10File(dataSet: parsed.dataSet, transferSyntax: .explicitVRLittleEndian)
        file.warnings = parsed.warnings
        #expect(throws: Deidentifier.Refusal.self) {
            _ = try Deidentifier(settings: .standard, uids: DeidFixture.uids).deidentify(file, identifiers: DeidFixture.identifiers)
        }
    }

    @Test func unSequencesAndTextGetTheirVRAndCharacterSetsBecomeUTF8() throws {
        // An ISO 2022 Japanese name sent as UN, in a data set that says ISO 2022 IR 87.
        let jis: [UInt8] = [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42]   // 山田 in JIS X 0208
        let ds = Self.ctDataSet([
            DataElement(tag: .specificCharacterSet, vr: .CS, strings: ["", "ISO 2022 IR 87"]),
            DataElement(tag: .studyDescription, vr: .UN, bytes: Array("CT ".utf8) + jis + [0x20]),
        ])
        let normalized = try InputNormalizer.normalize(DeidFixture.file(ds)).dataSet
        #expect(normalized.string(.specificCharacterSet) == "ISO_IR 192")
        #expect(normalized[.studyDescription]?.vr == .LO)
        #expect(normalized.string(.studyDescription) == "CT 山田")
    }

    @Test func aNULInsideATextValueIsReadAsASpace() throws {
        let ds = Self.ctDataSet([DataElement(tag: .studyDescription, vr: .LO, bytes: Array("CT\u{0}Quinterra ".utf8))])
        let normalized = try InputNormalizer.normalize(DeidFixture.file(ds)).dataSet
        #expect(normalized.string(.studyDescription) == "CT Quinterra")
    }

    @Test func thePseudonymNameIsAPersonNameAndDummiesToo() throws {
        let out = try Self.run(Self.ctDataSet()).file.dataSet
        #expect(out.string(.patientName) == DeidFixture.identifiers.entityCode + "^")
        #expect(DummyValue.value(.personName, vr: .PN, remap: { $0 })?.string() == "ANONYMIZED^")
    }

    @Test func theExplanationNamesEachAttributeItsRuleAndNoValue() throws {
        let out = try Self.run(Self.ctDataSet([DataElement(tag: .contactURI, vr: .UR, string: "tel:+16505550142")]), explain: true)
        let lines = try #require(out.report.explanation).map(\.description)
        #expect(lines.contains { $0.contains("ContactURI") && $0.contains("removed") && $0.contains("no row") })
        #expect(lines.contains { $0.contains("PatientName") && $0.contains("Table E.1-1") })
        #expect(!lines.contains { $0.contains("Quinterra") || $0.contains("4410527") || $0.contains("5550142") })
        #expect(out.report.counts[.removed, default: 0] >= 1)
    }

    // MARK: helpers

    static func written(_ file: Part10File) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID().uuidString).dcm").path
        defer { unlink(path) }
        try Part10Writer.write(file, to: path)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let hay = String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        return hay.contains(text.lowercased())
    }
}

extension WalkDecisionTests {
    @Test func everyKindOfActionHasItsPlace() {
        #expect(ActionTaken.allCases.enumerated().allSatisfy { $0.offset == $0.element.index })
    }
}
