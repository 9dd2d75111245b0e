import DICOMCore
@testable import Deidentify
import Testing

/// Character references as an HTML parser reads them, and URL escapes, in both readers (the
/// third reader's channels r3-ref-*, r3-url-encoded-utf8-name).
@Suite struct CharacterReferenceTests {
    typealias E = CleanerFixture

    func readers(_ name: String) -> (TextCleaner, PHIGate) {
        let original = DataSet([E.element("SpecificCharacterSet", "ISO_IR 192"), E.element("PatientName", name)])
        return (TextCleaner(IdentifyingValues(original: original, options: DeidentificationSettings.defaultOptions)),
                PHIGate(original: original))
    }

    @Test(arguments: [
        ("Großkopf^Hannelore", "CT Gro&#223kopf", "CT"),
        ("Großkopf^Hannelore", "CT Gro&szligkopf", "CT"),
        ("Großkopf^Hannelore", "CT Gro&#X0000DF;kopf", "CT"),
        ("Dvořáková^Jana", "CT Dvo&rcaron;&aacute;kov&aacute;", "CT"),
        ("Wałęsa^Łucja", "CT Wa&lstrok;&eogon;sa", "CT"),
        ("Großkopf^Hannelore", "pt=Gro%C3%9Fkopf", "pt="),
    ])
    func aNameBehindReferencesOrEscapesIsCleanedAndFound(_ name: String, _ text: String, _ left: String) {
        let (cleaner, gate) = readers(name)
        #expect(cleaner.clean([text], vr: .LO)?.values == [left], "\(text)")
        #expect(gate.search(text: text, as: .LO)?.kind == "name", "\(text)")
    }

    @Test func aNameThatHoldsReferencesIsKnownAsWhatItReads() {
        let (cleaner, gate) = readers("GRO&szlig;KOPF^HANNELORE")
        #expect(cleaner.clean(["CT GROSSKOPF"], vr: .LO)?.values == ["CT"])
        #expect(gate.search(text: "CT GROSSKOPF", as: .LO)?.kind == "name")
    }

    @Test func ordinaryAmpersandsAndPercentsAreLeftAlone() {
        let (cleaner, gate) = readers("Großkopf^Hannelore")
        for text in ["R&D 50% dose", "CT A&P", "100%", "&notanentity"] {
            #expect(cleaner.clean([text], vr: .LO) == nil, "\(text)")
            #expect(gate.search(text: text, as: .LO) == nil, "\(text)")
        }
    }
}
