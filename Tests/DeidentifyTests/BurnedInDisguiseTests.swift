import DICOMCore
@testable import Deidentify
import Testing

/// The burned-in rules read a header the way the engine will after normalising it: a value
/// sent as UN, under a wrong binary VR, or behind a NUL does not hide SECONDARY or YES from
/// them (attack channels r2-bi-*).
@Suite struct BurnedInDisguiseTests {
    let rules = BurnedInRules.standard

    func ct(_ extra: [DataElement]) -> DataSet {
        var ds = DataSet([DataElement(tag: .sopClassUID, vr: .UI, string: "1.2.840.10008.5.1.4.1.1.2"),
                          DataElement(tag: .modality, vr: .CS, string: "CT")])
        for e in extra { ds.set(e) }
        return ds
    }

    func raw(_ tag: Tag, _ vr: VR, _ text: String) -> DataElement {
        var bytes = Array(text.utf8)
        if bytes.count % 2 == 1 { bytes.append(0x20) }
        return DataElement(tag: tag, vr: vr, bytes: bytes)
    }

    @Test func aPlainOriginalCTGoes() {
        #expect(rules.holdingRule(for: ct([DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY"])])) == nil)
    }

    @Test func imageTypeSentAsUNStillSaysSecondary() {
        #expect(rules.holdingRule(for: ct([raw(.imageType, .UN, "DERIVED\\SECONDARY")])) == "secondary")
    }

    @Test func aLeadingNULDoesNotHideSecondary() {
        #expect(rules.holdingRule(for: ct([raw(.imageType, .CS, "\u{0}DERIVED\\SECONDARY")])) == "secondary")
    }

    @Test func burnedInAnnotationSentAsOBStillHolds() {
        #expect(rules.holdingRule(for: ct([raw(.burnedInAnnotation, .OB, "yes")])) == BurnedInRules.burnedInAnnotationRule)
    }

    /// Only NO says no: `Y`, or a value no reader knows, holds (attack channel r3-bi-annotation-y).
    @Test func anythingButNOHolds() {
        for v in ["Y", "yes ", "TRUE", "1"] {
            #expect(rules.holdingRule(for: ct([DataElement(tag: .burnedInAnnotation, vr: .CS, string: v)])) == BurnedInRules.burnedInAnnotationRule, "\(v)")
        }
        #expect(rules.holdingRule(for: ct([DataElement(tag: .burnedInAnnotation, vr: .CS, string: "NO")])) == nil)
        #expect(rules.holdingRule(for: ct([DataElement(tag: .burnedInAnnotation, vr: .CS, string: "")])) == nil)
    }

    /// A CT with a Conversion Type (SC Equipment: workstation, scanned document…) was captured
    /// or converted: held (attack channel r3-bi-conversion-type).
    @Test func aConversionTypeHoldsEvenACT() throws {
        #expect(rules.holdingRule(for: ct([DataElement(tag: .conversionType, vr: .CS, string: "WSD")])) == "converted")
        let site = try BurnedInRules.parse("allow any if Modality is CT and ConversionType absent\nhold rest otherwise")
        #expect(site.holdingRule(for: ct([])) == nil)
        #expect(site.holdingRule(for: ct([DataElement(tag: .conversionType, vr: .CS, string: "SI")])) == "rest")
        #expect(throws: BurnedInRules.ParseError.self) { try BurnedInRules.parse("allow x if ConversionType absent WSD") }
    }

    @Test func recognizableVisualFeaturesYESHolds() {
        #expect(rules.holdingRule(for: ct([DataElement(tag: .recognizableVisualFeatures, vr: .CS, string: "YES")]))
                == BurnedInRules.recognizableVisualFeaturesRule)
        #expect(rules.holdingRule(for: ct([DataElement(tag: .recognizableVisualFeatures, vr: .CS, string: "NO")])) == nil)
    }
}
