import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// What must pass: a clean copy is never refused, whatever the options, the encoding, or the
/// descriptive values it keeps that share words with the original's identifying ones.
@Suite struct PHIGateCleanOutputTests {
    typealias F = PHIGateFixture

    @Test(arguments: [
        Set<ProfileOption>(), DeidentificationSettings.defaultOptions, [.retainUIDs], [.retainDeviceIdentity],
        [.retainInstitutionIdentity], [.retainLongitudinalFullDates], Set(ProfileOption.allCases),
    ])
    func aRealisticCleanCopyPassesUnderEveryOptionSet(_ options: Set<ProfileOption>) throws {
        let gate = PHIGate(original: F.original, scope: PHIGate.Scope(options: options))
        for ts in [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .deflatedExplicitVRLittleEndian] {
            #expect(try F.verdict(gate, F.clean(rows: 64, columns: 64), transferSyntax: ts) == nil, "\(options) \(ts.name)")
        }
    }

    @Test func descriptiveValuesThatShareWordsWithTheOriginalPass() throws {
        // Issuer BENCH and Manufacturer BENCH MEDICAL SYSTEMS; operator Tom and Tomography;
        // version 2.5.10234 beside the ID's and phone's digits; a remapped UID holding the ID's digits.
        var original = F.original
        original.set(F.element(.patientID, .LO, "10234"))
        original.set(F.element(.accessionNumber, .SH, "4455667788"))
        let gate = PHIGate(original: original)
        let copy = F.with(F.clean(), F.element(.imageComments, .LT, "Tomography by BENCH MEDICAL SYSTEMS software 2.5.10234"),
                          F.element(.deviceUID, .UI, "2.25.44556677881234"), F.element(.institutionName, .LO, ""),
                          F.element(.protocolName, .LO, "CT Chest Routine (Tom's protocol v2)"))
        let hit = try F.verdict(gate, copy)
        // "Tom's" is the word "tom": the operator's name, rightly found; the rest passes.
        #expect(hit?.attribute == "OperatorsName" && hit?.location == "(0018,1030) ProtocolName")
        let withoutName = F.with(copy, F.element(.protocolName, .LO, "CT Chest Routine v2"))
        #expect(try F.verdict(gate, withoutName) == nil)
    }

    /// A name attribute holding no name (`MRN 4560022 DOB 1979-07-22` as ContactDisplayName)
    /// makes no needles of its digit words: a pseudonym code holding `22` passes, and the
    /// engine leaves `Slice 22` alone (attack channel nr-sweep-lo-retyped, refused by chance).
    @Test func digitWordsOfANameAttributeAreNoNeedles() throws {
        var original = F.original
        original.set(F.element(Tag(0x0074_100C), .LO, "MRN 4560022 DOB 1979-07-22"))
        let gate = PHIGate(original: original)
        let copy = F.with(F.clean(), F.element(.patientName, .PN, "P8FEZH9XR22NDVVY^"),
                          F.element(.seriesDescription, .LO, "Slice 22 1979"))
        #expect(try F.verdict(gate, copy) == nil)
        let cleaner = TextCleaner(IdentifyingValues(original: original, options: DeidentificationSettings.defaultOptions))
        #expect(cleaner.clean(["Slice 22 1979"], vr: .LO) == nil)
    }

    @Test func theEnginesCopyOfTheFixturePasses() throws {
        // The contract: whatever the gate can find in a value the engine keeps, the engine
        // removes first. Its copy of a realistic original, written by the project's writer, passes.
        let output = try DeidFixture.engine().deidentify(DeidFixture.file(F.original), identifiers: DeidFixture.identifiers)
        let folder = try F.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Part10Writer.write(output.file, to: folder + "/copy.part")
        let hit = F.verdict(F.gate, path: folder + "/copy.part")
        #expect(hit == nil, "\(String(describing: hit))")
        // And the gate did look: the same copy with the name put back is refused.
        var leaky = output.file
        leaky.dataSet.set(F.element(.imageComments, .LT, "Simpson"))
        try Part10Writer.write(leaky, to: folder + "/leaky.part")
        #expect(F.verdict(F.gate, path: folder + "/leaky.part")?.attribute == "PatientName")
    }
}
