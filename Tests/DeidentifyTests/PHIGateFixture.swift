import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing
import TestSupport

/// An identified CT original and a realistic de-identified copy of it (what a clean engine
/// output looks like), written with the project's writer, for the PHI gate's tests: each test
/// adds one hiding place to the copy and expects the copy refused with it and passed without.
enum PHIGateFixture {
    static func element(_ tag: Tag, _ vr: VR, _ s: String) -> DataElement { DataElement(tag: tag, vr: vr, string: s) }
    static func us(_ tag: Tag, _ v: Int) -> DataElement { DataElement(tag: tag, vr: .US, bytes: [UInt8(v & 0xFF), UInt8(v >> 8)]) }

    /// The original, as received: the patient, the study, the institution and device.
    static var original: DataSet {
        DataSet([
            element(.specificCharacterSet, .CS, "ISO_IR 100"),
            element(.imageType, .CS, "ORIGINAL\\PRIMARY\\AXIAL"),
            element(.sopClassUID, .UI, UID.ctImageStorage.rawValue),
            element(.sopInstanceUID, .UI, "1.2.826.0.1.3680043.10.7.1.1.12"),
            element(.studyDate, .DA, "20240315"),
            element(.seriesDate, .DA, "20240315"),
            element(.acquisitionDateTime, .DT, "20240315101500"),
            element(.studyTime, .TM, "101500"),
            element(.accessionNumber, .SH, "ACC99887766"),
            element(.modality, .CS, "CT"),
            element(.manufacturer, .LO, "BENCH MEDICAL SYSTEMS"),
            element(.institutionName, .LO, "Springfield General Hospital"),
            element(.institutionAddress, .ST, "1 Hospital Road, Springfield"),
            element(.referringPhysicianName, .PN, "Hibbert^Julius^^Dr."),
            element(.stationName, .SH, "CTSCAN01"),
            element(.studyDescription, .LO, "CT CHEST"),
            element(.seriesDescription, .LO, "Tomography of chest"),
            element(.operatorsName, .PN, "Lee^Tom"),
            element(.patientName, .PN, "Simpson^Homer^Jay"),
            element(.patientID, .LO, "MR-4455-6677"),
            element(.issuerOfPatientID, .LO, "BENCH"),
            element(.patientBirthDate, .DA, "19650412"),
            element(.patientSex, .CS, "M"),
            element(.patientAddress, .LO, "742 Evergreen Terrace^^Springfield^OR^97403^USA"),
            element(.patientTelephoneNumbers, .SH, "(541) 555-0113"),
            element(.softwareVersions, .LO, "2.5.10234"),
            element(.studyInstanceUID, .UI, "1.2.826.0.1.3680043.10.7"),
            element(.seriesInstanceUID, .UI, "1.2.826.0.1.3680043.10.7.1"),
            element(.studyID, .SH, "S7731"),
            element(.frameOfReferenceUID, .UI, "1.2.826.0.1.3680043.10.7.99"),
        ])
    }

    /// Sendit's de-identification attributes, exactly as the engine writes them.
    static var method: [DataElement] {
        let codes = [DeidentificationMethodCode.basicProfile] + [ProfileOption.retainLongitudinalModifiedDates, .retainPatientCharacteristics, .cleanDescriptors].map(\.methodCode)
        return [
            element(.patientIdentityRemoved, .CS, "YES"),
            DataElement(tag: .deidentificationMethod, vr: .LO, strings: codes.map { String($0.meaning.prefix(64)) }),
            DataElement(sequence: .deidentificationMethodCodeSequence, items: codes.map { code in
                DataSet([element(.codeValue, .SH, code.value), element(.codingSchemeDesignator, .SH, code.scheme),
                         element(.codeMeaning, .LO, String(code.meaning.prefix(64)))])
            }),
            element(.longitudinalTemporalInformationModified, .CS, "MODIFIED"),
        ]
    }

    /// A clean copy: remapped 2.25 UIDs, dates shifted 12 days, the patient's codes, the
    /// descriptive attributes kept (Manufacturer `BENCH MEDICAL SYSTEMS` while the issuer was
    /// `BENCH`, `Tomography` while the operator was `Tom`, version `2.5.10234`), and 16-bit
    /// signed samples with Bits Stored 12 (values sign-extended from bit 11).
    static func clean(rows: Int = 16, columns: Int = 16) -> DataSet {
        var ds = DataSet([
            element(.specificCharacterSet, .CS, "ISO_IR 100"),
            element(.imageType, .CS, "ORIGINAL\\PRIMARY\\AXIAL"),
            element(.sopClassUID, .UI, UID.ctImageStorage.rawValue),
            element(.sopInstanceUID, .UI, "2.25.218861913442563151532381123012093810312"),
            element(.studyDate, .DA, "20240303"),
            element(.seriesDate, .DA, "20240303"),
            element(.acquisitionDateTime, .DT, "20240303101500"),
            element(.studyTime, .TM, "101500"),
            element(.accessionNumber, .SH, "SCODE1"),
            element(.modality, .CS, "CT"),
            element(.manufacturer, .LO, "BENCH MEDICAL SYSTEMS"),
            element(.referringPhysicianName, .PN, ""),
            element(.studyDescription, .LO, "CT CHEST"),
            element(.seriesDescription, .LO, "Tomography of chest"),
            element(.manufacturerModelName, .LO, "Bench CT 64"),
            DataElement(sequence: .referencedImageSequence, items: [DataSet([
                element(.referencedSOPClassUID, .UI, UID.ctImageStorage.rawValue),
                element(.referencedSOPInstanceUID, .UI, "2.25.300112933017232845912223741183201117731"),
            ])]),
            element(.patientName, .PN, "PCODE1"),
            element(.patientID, .LO, "PCODE1"),
            element(.patientBirthDate, .DA, ""),
            element(.patientSex, .CS, "M"),
            element(.patientAge, .AS, "058Y"),
            element(.sliceThickness, .DS, "0.625"),
            element(.kvp, .DS, "120"),
            element(.softwareVersions, .LO, "2.5.10234"),
            DataElement(tag: .examinedBodyThickness, vr: .FL, bytes: [0, 0, 0x48, 0x43]),
            element(.studyInstanceUID, .UI, "2.25.129385618276518273645512093847561230987"),
            element(.seriesInstanceUID, .UI, "2.25.33018273645519283746518273645190283746"),
            element(.studyID, .SH, ""),
            element(.seriesNumber, .IS, "3"),
            element(.instanceNumber, .IS, "12"),
            element(.imagePositionPatient, .DS, "-175.0\\-175.0\\-42.5"),
            element(.imageOrientationPatient, .DS, "1\\0\\0\\0\\1\\0"),
            element(.frameOfReferenceUID, .UI, "2.25.99812736451928374651827364519028374611"),
            element(.pixelSpacing, .DS, "0.683594\\0.683594"),
            element(.windowCenter, .DS, "40"),
            element(.windowWidth, .DS, "400"),
            element(.rescaleIntercept, .DS, "-1024"),
            element(.rescaleSlope, .DS, "1"),
            DataElement(sequence: .procedureCodeSequence, items: [DataSet([
                element(.codeValue, .SH, "24627-2"), element(.codingSchemeDesignator, .SH, "LN"),
                element(.codeMeaning, .LO, "CT Chest"),
            ])]),
        ] + method)
        for e in pixelModule(rows: rows, columns: columns, bitsStored: 12, signed: true) { ds.set(e) }
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: samples(rows * columns, bitsStored: 12, signed: true)))
        return ds
    }

    static func pixelModule(rows: Int, columns: Int, bitsAllocated: Int = 16, bitsStored: Int, signed: Bool,
                            samplesPerPixel: Int = 1, photometric: String = "MONOCHROME2") -> [DataElement] {
        [us(.samplesPerPixel, samplesPerPixel), element(.photometricInterpretation, .CS, photometric),
         us(.rows, rows), us(.columns, columns), us(.bitsAllocated, bitsAllocated), us(.bitsStored, bitsStored),
         us(.highBit, bitsStored - 1), us(.pixelRepresentation, signed ? 1 : 0)]
    }

    /// 16-bit samples in range for `bitsStored` (signed: sign-extended), from a fixed sequence.
    static func samples(_ count: Int, bitsStored: Int, signed: Bool) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        var x: UInt32 = 2463534242
        for _ in 0..<count {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            let range = 1 << bitsStored
            var v = Int(x % UInt32(range))
            if signed { v -= range / 2 }
            let u = UInt16(bitPattern: Int16(v))
            out += [UInt8(u & 0xFF), UInt8(u >> 8)]
        }
        return out
    }

    static func folder() throws -> String { try ExternalTools.temporaryDirectory("gate").path }

    /// Writes `ds` with Part10Writer and runs the gate: its hit, or nil if the copy passed.
    static func verdict(_ gate: PHIGate, _ ds: DataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian,
                        meta: DataSet = DataSet(), preamble: [UInt8]? = nil, finalName: String? = "2.25.1/2.25.2.dcm") throws -> PHIGate.Hit? {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var file = Part10File(fileMetaInformation: meta, dataSet: ds, transferSyntax: transferSyntax)
        file.preamble = preamble
        try Part10Writer.write(file, to: folder + "/copy.part")
        return verdict(gate, path: folder + "/copy.part", finalName: finalName)
    }

    static func verdict(_ gate: PHIGate, path: String, finalName: String? = "2.25.1/2.25.2.dcm") -> PHIGate.Hit? {
        do {
            try gate.check(path: path, finalName: finalName)
            return nil
        } catch let hit as PHIGate.Hit {
            return hit
        } catch {
            Issue.record("the gate threw something other than a Hit: \(error)")
            return nil
        }
    }

    /// `ds` with `elements` set.
    static func with(_ ds: DataSet, _ elements: DataElement...) -> DataSet {
        var out = ds
        for e in elements { out.set(e) }
        return out
    }

    /// The original's needles searched for by the default options' gate.
    static var gate: PHIGate {
        PHIGate(original: original, scope: PHIGate.Scope(options: DeidentificationSettings.defaultOptions))
    }
}
