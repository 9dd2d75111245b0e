import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import TestSupport

typealias Tag = DICOMCore.Tag

/// Shared pieces of the de-identification tests: a key, identifiers, and a data set that holds
/// every attribute of Table E.1-1 with a distinctive value, read from the TSV (not from the
/// generated code the engine uses).
enum DeidFixture {
    static let key = [UInt8](repeating: 7, count: 32)
    static let hash = KeyedHash(key: key)
    static let uids = UIDRemapper(hash: hash)

    static func engine(_ options: Set<ProfileOption> = DeidentificationSettings.defaultOptions) throws -> Deidentifier {
        Deidentifier(settings: DeidentificationSettings(profile: try ConfidentialityProfile(options: options)), uids: uids)
    }

    /// De-identifies `ds` with `options` (and `recipe`), writes the copy, and runs the PHI gate on
    /// it: the copy's data set and the gate's verdict (nil: passed).
    static func outcome(_ ds: DataSet, options: Set<ProfileOption> = DeidentificationSettings.defaultOptions,
                        recipe: Recipe? = nil) throws -> (DataSet, PHIGate.Hit?) {
        var settings = DeidentificationSettings(profile: try ConfidentialityProfile(options: options))
        settings.recipe = recipe
        let out = try Deidentifier(settings: settings, uids: uids).deidentify(file(ds), identifiers: identifiers)
        let folder = try ExternalTools.temporaryDirectory("outcome")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("copy.dcm").path
        try Part10Writer.write(out.file, to: path)
        do {
            try PHIGate(original: ds, scope: PHIGate.Scope(options: options)).check(path: path)
            return (out.file.dataSet, nil)
        } catch let hit as PHIGate.Hit {
            return (out.file.dataSet, hit)
        }
    }

    static let identifiers = IdentifiersResponse(results: [
        .init(id: "12345678", id_source: "Stanford MRN", suid: "PCODE1", jitter: -12, jittered_timestamp: "1970-01-01T00:00:00Z",
              items: [.init(id: "ACC99887766", id_source: "DCM Accession #", suid: "SCODE1", jitter: -12,
                            jittered_timestamp: "2020-01-01T00:00:00Z")]),
    ])

    /// spec/dicom/confidentiality-profile.tsv, row by row.
    struct Row {
        let tag: String
        let keyword: String
        let actions: [String: String]   // column -> code
    }

    static var repository: String { ExternalTools.packageRoot.path }

    static func tableRows() throws -> [Row] {
        let table = try SpecTSV("dicom/confidentiality-profile.tsv")
        return table.cells.map { cells in
            var actions: [String: String] = [:]
            for (i, name) in table.columns.enumerated() where name == "basic_profile" || name.hasPrefix("rtn_") || name.hasPrefix("clean_") {
                if i < cells.count, !cells[i].isEmpty { actions[name] = cells[i] }
            }
            return Row(tag: cells[0], keyword: cells.count > 15 ? cells[15] : "", actions: actions)
        }
    }

    /// A distinctive value for an attribute of `vr`, made from its tag: one word of letters
    /// (the tag's hex digits 0–9 written G–P), so that it is nobody's name, number, date or URL
    /// and the cleaner has nothing to remove from it unless it is an identifying value itself.
    static func value(for tag: Tag, vr: VR) -> DataElement? {
        let word = String(tag.hexString.map { c -> Character in
            guard let d = c.wholeNumberValue, c.isASCII, c.isNumber else { return c }
            return Character(UnicodeScalar(UInt8(0x47 + d)))
        })
        switch vr {
        case .AE: return DataElement(tag: tag, vr: vr, string: "QAE\(word)")
        case .AS: return DataElement(tag: tag, vr: vr, string: "045Y")
        case .CS: return DataElement(tag: tag, vr: vr, string: "QCS\(word)")
        case .DA: return DataElement(tag: tag, vr: vr, string: "20200315")
        case .DT: return DataElement(tag: tag, vr: vr, string: "20200315101500")
        case .TM: return DataElement(tag: tag, vr: vr, string: "101500")
        case .DS: return DataElement(tag: tag, vr: vr, string: "4.25")
        case .IS: return DataElement(tag: tag, vr: vr, string: "42")
        case .LO, .LT, .SH, .ST, .UC, .UT: return DataElement(tag: tag, vr: vr, string: "Q\(vr)\(word)")
        case .PN: return DataElement(tag: tag, vr: vr, string: "QFAM\(word)^QGIV\(word)")
        case .UR: return DataElement(tag: tag, vr: vr, string: "QUR\(word)")
        case .UI: return DataElement(tag: tag, vr: vr, string: "1.2.826.0.1.3680043.10.999.\(tag.rawValue)")
        case .SQ:
            let item = DataSet([
                DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.998.\(tag.rawValue)"),
                DataElement(tag: .codeMeaning, vr: .LO, string: "QNESTED\(word)"),
                DataElement(tag: .patientName, vr: .PN, string: "QNESTEDNAME\(word)"),
            ])
            return DataElement(sequence: tag, items: [item])
        case .US, .SS: return DataElement(tag: tag, vr: vr, bytes: [1, 2])
        case .UL, .SL, .FL, .AT: return DataElement(tag: tag, vr: vr, bytes: [1, 2, 3, 4])
        case .FD, .SV, .UV: return DataElement(tag: tag, vr: vr, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        case .OB, .OW, .OD, .OF, .OL, .OV, .UN: return DataElement(tag: tag, vr: vr, bytes: Array("QBIN\(word)".utf8))
        }
    }

    /// Every single-tag row of the table whose tag the dictionary knows (groups 0000 and 0002
    /// aside: those never reach a data set), plus the basic identifying UIDs, pixel data.
    static func everyAttribute() throws -> DataSet {
        var ds = DataSet()
        for row in try tableRows() where !row.tag.contains("x") && row.tag != "PRIVATE" {
            guard let raw = UInt32(row.tag, radix: 16) else { continue }
            let tag = Tag(raw)
            guard tag.group != 0x0000, tag.group != 0x0002, DataDictionary.entry(for: tag) != nil else { continue }
            if let e = value(for: tag, vr: DataDictionary.vr(for: tag)) { ds.set(e) }
        }
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue))
        setImage(&ds, bytes: [UInt8](repeating: 0, count: 64))
        return ds
    }

    /// Native Pixel Data of `bytes` (an even count) as one row of 16-bit samples, with the Image
    /// Pixel attributes that measure it (the engine rebuilds Pixel Data to that length).
    static func setImage(_ ds: inout DataSet, bytes: [UInt8]) {
        func us(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        ds.set(DataElement(tag: .samplesPerPixel, vr: .US, bytes: us(1)))
        ds.set(DataElement(tag: .photometricInterpretation, vr: .CS, string: "MONOCHROME2"))
        ds.set(DataElement(tag: .rows, vr: .US, bytes: us(1)))
        ds.set(DataElement(tag: .columns, vr: .US, bytes: us(bytes.count / 2)))
        ds.set(DataElement(tag: .bitsAllocated, vr: .US, bytes: us(16)))
        ds.set(DataElement(tag: .bitsStored, vr: .US, bytes: us(16)))
        ds.set(DataElement(tag: .highBit, vr: .US, bytes: us(15)))
        ds.set(DataElement(tag: .pixelRepresentation, vr: .US, bytes: us(0)))
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: bytes))
    }

    static func file(_ ds: DataSet) -> Part10File {
        Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian)
    }
}

extension DataSet {
    /// This data set with native Pixel Data of `bytes` and the attributes that measure it.
    func withImage(_ bytes: [UInt8]) -> DataSet {
        var ds = self
        DeidFixture.setImage(&ds, bytes: bytes)
        return ds
    }
}
