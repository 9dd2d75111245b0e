import Deidentify
import Testing
@testable import sendit

/// Files an operator writes on Windows end their lines with CR LF, which Swift reads as one
/// Character: every line-based file sendit reads must split on it (once a CR LF configuration
/// file was read as one long line, its first setting swallowing the rest).
@Suite struct LineEndingsTests {
    @Test func aConfigurationFileWithCRLFReadsAsWithLF() {
        let lf = SettingValues(file: "a.conf", text: "DICOM_PORT=11113\nDICOM_AE_TITLE=FOO\n", environment: [:])
        let crlf = SettingValues(file: "a.conf", text: "DICOM_PORT=11113\r\nDICOM_AE_TITLE=FOO\r\n", environment: [:])
        #expect(crlf[.dicomPort].text == "11113" && crlf[.dicomAETitle].text == "FOO")
        #expect(crlf[.dicomPort] == lf[.dicomPort] && crlf.problems.isEmpty)
    }

    @Test func rulesAndRecipesWithCRLF() throws {
        let rules = try BurnedInRules.parse("allow ct if Modality is CT\r\nhold rest otherwise\r\n")
        #expect(rules.rules.count == 1 && rules.otherwise == "rest")
        let recipe = try Recipe.parse("FORMAT dicom\r\n%header\r\nREMOVE PatientAge\r\nBLANK StudyDescription\r\n", source: "t")
        #expect(recipe.lines.count == 2)
    }
}
