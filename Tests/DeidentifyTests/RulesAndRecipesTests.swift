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

    @Test func theBuiltInRulesHoldWhatMayCarryText() {
        let rules = BurnedInRules.standard
        #expect(rules.holdingRule(for: image([])) == nil)
        #expect(rules.holdingRule(for: image([DataElement(tag: .burnedInAnnotation, vr: .CS, string: "YES")])) == "burned-in-annotation")
        #expect(rules.holdingRule(for: image([DataElement(tag: .burnedInAnnotation, vr: .CS, string: "NO")])) == nil)
        #expect(rules.holdingRule(for: image([DataElement(tag: .modality, vr: .CS, string: "US")])) == "ultrasound")
        #expect(rules.holdingRule(for: image([DataElement(tag: .sopClassUID, vr: .UI, string: UID.secondaryCaptureImageStorage.rawValue),
                                              DataElement(tag: .modality, vr: .CS, string: "OT")])) == "secondary-capture")
        #expect(rules.holdingRule(for: image([DataElement(tag: .sopClassUID, vr: .UI, string: UID.encapsulatedPDFStorage.rawValue),
                                              DataElement(tag: .modality, vr: .CS, string: "DOC")])) == "document")
        #expect(rules.holdingRule(for: image([DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "SECONDARY", "SCREEN SAVE"])])) == "screen-save")
        #expect(rules.holdingRule(for: image([DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "PRIMARY", "MPR"])])) == "derived-ct-mr")
        // DERIVED on another modality is not held by that rule.
        #expect(rules.holdingRule(for: image([DataElement(tag: .modality, vr: .CS, string: "NM"),
                                              DataElement(tag: .imageType, vr: .CS, strings: ["DERIVED", "PRIMARY"])])) == nil)
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
