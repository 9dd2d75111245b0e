import DICOMCore
@testable import Deidentify
import Foundation
import Testing

/// The gate's newer binary readings: base64 runs in binary and text values, UTF-16 from byte 1,
/// and OF/OD/OL/OV values read as numbers.
@Suite struct PHIGateBase64Tests {
    typealias F = PHIGateFixture

    @Test func base64InAnOBOrATextValueIsRefused() throws {
        let b64 = Data("note: Simpson Homer".utf8).base64EncodedString()
        let ob = DataElement(tag: Tag(group: 0x0040, element: 0xA074), vr: .OB, bytes: Array(b64.utf8) + (b64.utf8.count % 2 == 1 ? [0] : []))
        #expect(try F.verdict(F.gate, F.with(F.clean(), ob))?.attribute == "PatientName")
        let lo = F.element(.seriesDescription, .LO, "K=" + b64)
        #expect(try F.verdict(F.gate, F.with(F.clean(), lo))?.attribute == "PatientName")
        // base64url, and a run under 16 characters is not decoded.
        let url = Data("<<Simpson Homer>>".utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(try F.verdict(F.gate, F.with(F.clean(), F.element(.seriesDescription, .LO, url)))?.attribute == "PatientName")
        let short = Data("Simpson".utf8).base64EncodedString()   // 12 characters
        #expect(try F.verdict(F.gate, F.with(F.clean(), F.element(.seriesDescription, .LO, short))) == nil)
        #expect(try F.verdict(F.gate, F.with(F.clean(), F.element(.seriesDescription, .LO, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))) == nil)
    }

    /// Base64 of some digit strings has no lower-case letter: such a run is read when it decodes
    /// to text, by the engine and by the gate; a UID's digits or an upper-case code, which decode
    /// to bytes that are not text, are not.
    @Test func aRunWithOneLetterCaseIsReadWhenItDecodesToText() throws {
        let digits = Data("004004004004".utf8).base64EncodedString()
        #expect(digits == "MDA0MDA0MDA0MDA0")
        for (text, decodes) in [(digits, true), ("1234567890123456", false), ("PX7Q2M9K4T8W3R6Z", false)] {
            let bytes = Array(text.utf8)
            let engine = bytes.withUnsafeBufferPointer { b in Base64Runs.runs(b).map { Base64Runs.decode(b, $0) } }
            var gate: [[UInt8]] = []
            bytes.withUnsafeBufferPointer { b in GateBase64.forEachDecoded(b) { gate.append($0) } }
            #expect(engine == (decodes ? [Array("004004004004".utf8)] : []), "\(text)")
            #expect(gate == engine, "\(text)")
        }
    }

    @Test func utf16FromByteOneIsRefused() throws {
        let be = "Simpson".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let ob = DataElement(tag: Tag(group: 0x0040, element: 0xA074), vr: .OB, bytes: [0x07] + be + [0x00])
        #expect(try F.verdict(F.gate, F.with(F.clean(), ob))?.attribute == "PatientName")
    }

    @Test func anODOrOLNumberEqualToAnIdentifierIsRefused() throws {
        // MR-4455-6677: 44556677.
        let od = DataElement(tag: Tag(group: 0x0072, element: 0x0073), vr: .OD, bytes: withUnsafeBytes(of: Double(44556677).bitPattern.littleEndian, Array.init))
        #expect(try F.verdict(F.gate, F.with(F.clean(), od))?.attribute == "PatientID")
        let ol = DataElement(tag: Tag(group: 0x0066, element: 0x0040), vr: .OL, bytes: withUnsafeBytes(of: UInt32(44556677).littleEndian, Array.init))
        #expect(try F.verdict(F.gate, F.with(F.clean(), ol))?.attribute == "PatientID")
        let fraction = DataElement(tag: Tag(group: 0x0072, element: 0x0073), vr: .OD, bytes: withUnsafeBytes(of: 44556677.5.bitPattern.littleEndian, Array.init))
        #expect(try F.verdict(F.gate, F.with(F.clean(), fraction)) == nil)
    }
}
