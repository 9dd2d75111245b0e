import DICOMCore
@testable import Deidentify
import Foundation
import Testing

/// The third reader's binary channels (r3-number-of-float-mrn, r3-bin-utf16be-cjk-name-no-bom,
/// r3-mrn-base64-in-ob, r3-mrn-base64-in-text): the engine cleans, the gate passes the output.
extension AttackRegressionTests {
    static func bytes<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }

    @Test func anOFOrODNumberEqualToTheMRNIsRemoved() throws {
        let of = DataElement(tag: Tag(group: 0x0064, element: 0x0009), vr: .OF,
                             bytes: Self.bytes(Float(1).bitPattern) + Self.bytes(Float(4586828).bitPattern))
        let od = DataElement(tag: Tag(group: 0x0072, element: 0x0073), vr: .OD, bytes: Self.bytes(Double(4586828).bitPattern))
        let (out, hit) = try Self.outcome(Self.base([of, od]))
        #expect(hit == nil)
        #expect(out[of.tag] == nil && out[od.tag] == nil)
        // A fraction is not an identifier: kept.
        let keep = DataElement(tag: od.tag, vr: .OD, bytes: Self.bytes(Double(4586828.5).bitPattern))
        let (kept, none) = try Self.outcome(Self.base([keep]))
        #expect(none == nil && kept[keep.tag] != nil)
    }

    @Test func utf16AfterAOneByteHeaderIsRemoved() throws {
        let name = DataElement(tag: .patientName, vr: .PN, string: "Yamada^Tarou=山田^太郎")
        let charset = DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 192")
        let be = "山田 太郎".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let ob = DataElement(tag: Tag(group: 0x0040, element: 0xA074), vr: .OB, bytes: [0x07] + be + [0x00])
        let (out, hit) = try Self.outcome(Self.base([charset, name, ob]))
        #expect(hit == nil)
        #expect(out[ob.tag] == nil)
    }

    @Test func base64InABinaryValueAndInTextIsRemoved() throws {
        let name = DataElement(tag: .patientName, vr: .PN, string: "Lindqvist^Casimir")
        let b64 = Data("PatientName=Lindqvist^Casimir PatientID=MRN4586828".utf8).base64EncodedString()
        let ob = DataElement(tag: Tag(group: 0x0040, element: 0xA074), vr: .OB, bytes: Array(b64.utf8))
        let text = DataElement(tag: .seriesDescription, vr: .LO, string: "K=" + b64.prefix(60))
        let (out, hit) = try Self.outcome(Self.base([name, ob, text]))
        #expect(hit == nil)
        #expect(out[ob.tag] == nil)
        #expect(out.string(.seriesDescription) == "K=")
    }
}
