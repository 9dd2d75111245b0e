import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

@Suite struct BurnedInRulesTests {
    func image(_ elements: [DataElement]) -> DataSet {
        var ds = DataSet([DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue),
                          DataElement(tag: .modality, vr: .CS, string: "CT"),
                          DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY", "AXIAL"])])
        for e in elements { ds.set(e) }
        return ds
    }

    func image(_ sopClass: UID, modality: String?, _ elements: [DataElement] = []) -> DataSet {
        var ds = image([DataElement(tag: .sopClassUID, vr: .UI, string: sopClass.rawValue)])
        ds.remove(.modality)
        if let modality { ds.set(DataElement(tag: .modality, vr: .CS, string: modality)) }
        for e in elements { ds.set(e) }
        return ds
    }

    static let no = DataElement(tag: .burnedInAnnotation, vr: .CS, string: "NO")
    static let yes = DataElement(tag: .burnedInAnnotation, vr: .CS, string: "YES")

    @Test func theBuiltInRulesAllowCrossSectionalImagesOriginalOrDerivedButNotSecondary() {
        let rules = BurnedInRules.standard
        #expect(rules.holdingRule(for: image([])) == nil)
        // A derived reconstruction (MPR), an ADC map: allowed.
        #expect(rules.holdingRule(for: image([DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "PRIMARY", "MPR"])])) == nil)
        #expect(rules.holdingRule(for: image(.mrImageStorage, modality: "MR",
                                             [DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "PRIMARY", "DIFFUSION", "ADC"])])) == nil)
        // SECONDARY, SCREEN SAVE: held.
        #expect(rules.holdingRule(for: image([DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "SECONDARY"])])) == "secondary")
        #expect(rules.holdingRule(for: image([DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "SECONDARY", "SCREEN SAVE"])])) == "screen-save")
        // A CT object whose modality is not CT (a screenshot filed as CT): held.
        #expect(rules.holdingRule(for: image(.ctImageStorage, modality: "OT")) == "other-modality")
        #expect(rules.holdingRule(for: image(.ctImageStorage, modality: nil)) == "not-on-allowlist")
        // BurnedInAnnotation YES holds even an allowed kind; NO changes nothing for it.
        #expect(rules.holdingRule(for: image([Self.yes])) == "burned-in-annotation")
        #expect(rules.holdingRule(for: image([Self.no])) == nil)
        #expect(rules.decision(for: image([])) == BurnedInRules.Decision(verdict: .allow, rule: "ct"))
    }

    @Test func ultrasoundOfEveryClassIsHeldEvenRetiredAndFiledAsOT() {
        let rules = BurnedInRules.standard
        for uid in [UID.ultrasoundImageStorageRetired, .ultrasoundMultiFrameImageStorageRetired, .ultrasoundImageStorage,
                    .ultrasoundMultiFrameImageStorage, .enhancedUSVolumeStorage] {
            for modality in ["OT", "US", nil] as [String?] {
                #expect(rules.holdingRule(for: image(uid, modality: modality)) == "ultrasound", "\(uid) \(modality ?? "-")")
                #expect(rules.holdingRule(for: image(uid, modality: modality, [Self.no])) == "ultrasound", "\(uid) says NO")
            }
        }
        // The modality alone holds too, under any class.
        #expect(rules.holdingRule(for: image(.ctImageStorage, modality: "US")) == "ultrasound")
    }

    @Test func ophthalmicPhotographyAndTomographyAreHeldEvenWhenTheySayNo() {
        let rules = BurnedInRules.standard
        for uid in [UID.ophthalmicPhotography8BitImageStorage, .ophthalmicPhotography16BitImageStorage, .ophthalmicTomographyImageStorage,
                    .wideFieldOphthalmicPhotographyStereographicProjectionImageStorage,
                    .ophthalmicOpticalCoherenceTomographyEnFaceImageStorage] {
            for modality in ["OP", "OPT", "OT"] {
                #expect(rules.holdingRule(for: image(uid, modality: modality, [Self.no])) == "ophthalmic", "\(uid) \(modality)")
            }
        }
    }

    @Test func xaAndRfAreHeldUnlessTheySayNo() {
        let rules = BurnedInRules.standard
        for uid in [UID.xRayAngiographicImageStorage, .xRayRadiofluoroscopicImageStorage, .enhancedXAImageStorage, .enhancedXRFImageStorage] {
            let modality = uid == .xRayAngiographicImageStorage || uid == .enhancedXAImageStorage ? "XA" : "RF"
            #expect(rules.holdingRule(for: image(uid, modality: modality)) == "xa-rf", "\(uid)")
            #expect(rules.holdingRule(for: image(uid, modality: modality, [Self.no])) == nil, "\(uid) says NO")
            #expect(rules.holdingRule(for: image(uid, modality: modality, [Self.yes])) == "burned-in-annotation")
        }
        // The retired biplane class is held, NO or not.
        #expect(rules.holdingRule(for: image(.xRayAngiographicBiPlaneImageStorage, modality: "XA", [Self.no])) == "xa-rf")
    }

    @Test func photographsCapturesDocumentsAndReportsAreHeld() {
        let rules = BurnedInRules.standard
        #expect(rules.holdingRule(for: image(.secondaryCaptureImageStorage, modality: "OT")) == "secondary-capture")
        #expect(rules.holdingRule(for: image(.multiFrameTrueColorSecondaryCaptureImageStorage, modality: "OT", [Self.no])) == "secondary-capture")
        #expect(rules.holdingRule(for: image(.vlPhotographicImageStorage, modality: "XC")) == "photograph")
        #expect(rules.holdingRule(for: image(.videoEndoscopicImageStorage, modality: "ES")) == "video")
        #expect(rules.holdingRule(for: image(.encapsulatedPDFStorage, modality: "DOC", [Self.no])) == "document")
        #expect(rules.holdingRule(for: image(.comprehensiveSRStorage, modality: "SR")) == "structured-report")
        #expect(rules.holdingRule(for: image(.computedRadiographyImageStorage, modality: "CR")) == "not-on-allowlist")
        // A slide's label or overview is held even when it says NO; its tiles are not.
        let slide = UID.vlWholeSlideMicroscopyImageStorage
        #expect(rules.holdingRule(for: image(slide, modality: "SM", [Self.no, DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY", "LABEL", "NONE"])])) == "slide-label")
        #expect(rules.holdingRule(for: image(slide, modality: "SM", [Self.no, DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"])])) == nil)
        #expect(rules.holdingRule(for: image(slide, modality: "SM", [DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"])])) == "slide")
        // DX says NO: allowed; without it, held.
        #expect(rules.holdingRule(for: image(.digitalXRayImageStorageForPresentation, modality: "DX", [Self.no])) == nil)
        #expect(rules.holdingRule(for: image(.digitalXRayImageStorageForPresentation, modality: "DX")) == "not-on-allowlist")
        // RT objects and segmentations go; an RT Image (a projection, often annotated) is held.
        #expect(rules.holdingRule(for: image(.rtStructureSetStorage, modality: "RTSTRUCT")) == nil)
        #expect(rules.holdingRule(for: image(.segmentationStorage, modality: "SEG")) == nil)
        #expect(rules.holdingRule(for: image(.rtImageStorage, modality: "RTIMAGE")) == "not-on-allowlist")
    }

    @Test func burnedInAnnotationYesWinsOverASiteAllowRule() throws {
        let rules = try BurnedInRules.parse("allow all-us if Modality is US\n")
        let us = image([DataElement(tag: .modality, vr: .CS, string: "US")])
        #expect(rules.holdingRule(for: us) == nil)
        var said = us
        said.set(Self.yes)
        #expect(rules.holdingRule(for: said) == "burned-in-annotation")
    }

    @Test func otherwiseAndLacksParseAndMean() throws {
        let rules = try BurnedInRules.parse("""
            allow clean if Modality is CT and ImageType lacks SECONDARY
            hold rest otherwise
            """)
        #expect(rules.otherwise == "rest")
        #expect(rules.holdingRule(for: image([])) == nil)
        #expect(rules.holdingRule(for: image([DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "SECONDARY"])])) == "rest")
        var absent = image([])
        absent.remove(.imageType)
        #expect(rules.holdingRule(for: absent) == nil, "an absent attribute lacks every value")
        for bad in ["allow x otherwise", "hold a otherwise\nhold b otherwise"] {
            #expect(throws: BurnedInRules.ParseError.self) { try BurnedInRules.parse(bad) }
        }
    }

    @Test func allowRulesAndManufacturerRulesFromAFile() throws {
        let rules = try BurnedInRules.parse("""
            # a site's rules
            allow known-clean-us if Modality is US and ManufacturerModelName is "CLEAN SCANNER 2"
            hold ultrasound if Modality is US
            hold acme-console if Manufacturer contains ACME
            """)
        let us = image([DataElement(tag: .modality, vr: .CS, string: "US")])
        #expect(rules.holdingRule(for: us) == "ultrasound")
        var clean = us
        clean.set(DataElement(tag: .manufacturerModelName, vr: .LO, string: "Clean Scanner 2"))
        #expect(rules.holdingRule(for: clean) == nil)
        #expect(rules.holdingRule(for: image([DataElement(tag: .manufacturer, vr: .LO, string: "Acme Medical")])) == "acme-console")
    }

    @Test func aBadRuleNamesItsLine() {
        for (text, line) in [("hold x if NoSuchKeyword is 1", 1), ("\nhold y Modality is US", 2), ("hold z if Modality equals US", 1),
                             ("hold w if SOPClassUID is NotAUIDKeyword", 1), ("hold v if Modality is US and", 1)] {
            do {
                _ = try BurnedInRules.parse(text)
                Issue.record("accepted: \(text)")
            } catch let error as BurnedInRules.ParseError {
                #expect(error.line == line, "\(text): \(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}

@Suite struct RecipeTests {
    let original = DataSet([
        DataElement(tag: .studyDate, vr: .DA, string: "20200315"),
        DataElement(tag: .seriesDate, vr: .DA, string: "20200315"),
        DataElement(tag: .studyDescription, vr: .LO, string: "CT CHEST"),
        DataElement(tag: .seriesDescription, vr: .LO, string: "AXIAL"),
        DataElement(tag: .referringPhysicianName, vr: .PN, string: "Hibbert^Julius"),
        DataElement(tag: .patientName, vr: .PN, string: "Simpson^Homer"),
        DataElement(tag: .patientID, vr: .LO, string: "MRN1"),
        DataElement(tag: .modality, vr: .CS, string: "CT"),
        DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue),
        DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.5.1"),
        DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.5"),
        DataElement(tag: .seriesInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.5.2"),
    ])

    @Test func theSeedsRecipeSyntaxWorks() throws {
        let recipe = try Recipe.parse("""
            FORMAT dicom

            %header

            ADD PatientIdentityRemoved YES
            REPLACE PatientName var:entity_id
            REPLACE (0010,0020) var:entity_id
            ADD ClinicalTrialSubjectID var:entity_id
            BLANK SeriesDescription
            KEEP StudyDescription
            REMOVE startswith:Referring
            JITTER endswith:Date var:jitter
            ADD InstitutionName SENDIT RESEARCH
            """, source: "seed.recipe")
        var settings = DeidentificationSettings.standard
        settings.recipe = recipe
        let out = try Deidentifier(settings: settings, uids: DeidFixture.uids)
            .deidentify(DeidFixture.file(original), identifiers: DeidFixture.identifiers).file.dataSet
        #expect(out.string(.patientName) == "PCODE1" && out.string(.patientID) == "PCODE1")
        #expect(out.string(.clinicalTrialSubjectID) == "PCODE1")
        #expect(out[.seriesDescription]?.isEmpty == true)
        #expect(out.string(.studyDescription) == "CT CHEST")
        #expect(out[.referringPhysicianName] == nil)
        // JITTER moves the original by the recipe's days (here the patient's, -12).
        #expect(out.string(.studyDate) == "20200303" && out.string(.seriesDate) == "20200303")
        #expect(out.string(.institutionName) == "SENDIT RESEARCH")
        #expect(out.strings(.deidentificationMethod).last == "sendit recipe seed.recipe")
    }

    /// KEEP of a date keeps the attribute under the date options, never the real date unless
    /// retain-full-dates says so (attack channel r2-recipe-keeps-dates).
    @Test func keepOfADateFollowsTheDateOptions() throws {
        let recipe = try Recipe.parse("FORMAT dicom\n%header\nKEEP StudyDate\nKEEP StudyTime\n", source: "k.recipe")
        var settings = DeidentificationSettings.standard
        settings.recipe = recipe
        let out = try Deidentifier(settings: settings, uids: DeidFixture.uids)
            .deidentify(DeidFixture.file(original), identifiers: DeidFixture.identifiers).file.dataSet
        #expect(out.string(.studyDate) != original.string(.studyDate))
        #expect(out.string(.studyDate) == "20200303")
        settings.profile = try ConfidentialityProfile(options: [.retainLongitudinalFullDates, .cleanDescriptors])
        let full = try Deidentifier(settings: settings, uids: DeidFixture.uids)
            .deidentify(DeidFixture.file(original), identifiers: DeidFixture.identifiers).file.dataSet
        #expect(full.string(.studyDate) == original.string(.studyDate))
    }

    @Test func unsupportedLinesAreReportedWithFileAndLine() {
        do {
            _ = try Recipe.parse("""
                FORMAT dicom
                %header
                REPLACE PatientName func:generate_uid
                FROB PatientID
                REMOVE NoSuchField
                %pixels
                ADD startswith:Patient X
                """, source: "bad.recipe")
            Issue.record("accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("bad.recipe:3: func: values are not supported"))
            #expect(text.contains("bad.recipe:4: unknown action FROB"))
            #expect(text.contains("bad.recipe:5: unknown field NoSuchField"))
            #expect(text.contains("bad.recipe:6: section %pixels is not supported"))
            #expect(text.contains("bad.recipe:7"))
        }
    }
}
