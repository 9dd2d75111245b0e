import DICOMCore
@testable import Deidentify
import Foundation
import Testing

/// What collecting and cleaning cost per file, on the header of scripts/make-ct-corpus.py's
/// CT images (the benchmark corpus of scripts/bench-deid). Prints figures; asserts none (a
/// time depends on the machine and the build), only that the work was done.
@Suite struct TextCleanerBenchmarkTests {
    typealias E = CleanerFixture

    static func codeItem(_ value: String, _ scheme: String, _ meaning: String) -> DataSet {
        DataSet([E.element("CodeValue", value), E.element("CodingSchemeDesignator", scheme), E.element("CodeMeaning", meaning)])
    }

    static func us(_ keyword: String, _ v: UInt16) -> DataElement {
        DataElement(tag: DataDictionary.entry(forKeyword: keyword)!.tag, vr: .US, bytes: [UInt8(v & 0xFF), UInt8(v >> 8)])
    }

    /// The header of one slice of ct-512-1000, as make-ct-corpus.py writes it (values alike).
    static var ctHeader: DataSet {
        let reference = DataSet([E.element("ReferencedSOPClassUID", "1.2.840.10008.5.1.4.1.1.2"),
                                 E.element("ReferencedSOPInstanceUID", "2.25.118920394857362514093847561029384756")])
        return DataSet([
            E.element("SpecificCharacterSet", "ISO_IR 100"), E.element("ImageType", "ORIGINAL\\PRIMARY\\AXIAL"),
            E.element("InstanceCreationDate", "20240317"), E.element("InstanceCreationTime", "093512.125"),
            E.element("SOPClassUID", "1.2.840.10008.5.1.4.1.1.2"),
            E.element("SOPInstanceUID", "2.25.302948571029384756102938475610293847"),
            E.element("StudyDate", "20240317"), E.element("SeriesDate", "20240317"), E.element("AcquisitionDate", "20240317"),
            E.element("ContentDate", "20240317"), E.element("StudyTime", "093412"), E.element("SeriesTime", "093412"),
            E.element("AcquisitionTime", "093512.125"), E.element("ContentTime", "093512.125"),
            E.element("AccessionNumber", "A04817263"), E.element("Modality", "CT"), E.element("Manufacturer", "Synthetic Medical Systems"),
            E.element("InstitutionName", "Sendit General Hospital"), E.element("InstitutionAddress", "1 Benchmark Road^^Springfield^^12345^XX"),
            E.element("ReferringPhysicianName", "Referrer^Rita^^Dr."), E.element("StationName", "CTSCAN01"),
            E.element("StudyDescription", "CT CHEST ABDOMEN PELVIS W CONTRAST"),
            DataElement(sequence: DataDictionary.entry(forKeyword: "ProcedureCodeSequence")!.tag,
                        items: [codeItem("CTCAP", "99SENDIT", "CT chest abdomen pelvis with contrast")]),
            E.element("SeriesDescription", "Axial 0.625mm Standard"), E.element("OperatorsName", "Tech^Tom"),
            E.element("ManufacturerModelName", "Synthetica 128"),
            DataElement(sequence: .referencedImageSequence, items: [reference]),
            E.element("PatientName", "Doe^Jane^Q"), E.element("PatientID", "P482913"), E.element("PatientBirthDate", "19670101"),
            E.element("PatientSex", "F"), E.element("PatientAge", "057Y"), E.element("PatientWeight", "64.5"),
            E.element("BodyPartExamined", "CHEST"), E.element("ScanOptions", "HELICAL MODE"), E.element("SliceThickness", "0.625"),
            E.element("KVP", "120"), E.element("DeviceSerialNumber", "SN48213"), E.element("SoftwareVersions", "sendit-bench 1.0"),
            E.element("ProtocolName", "5.1 CAP Routine"), E.element("ReconstructionDiameter", "350.0"),
            E.element("GantryDetectorTilt", "0.0"), E.element("RotationDirection", "CW"), E.element("ExposureTime", "500"),
            E.element("XRayTubeCurrent", "285"), E.element("FilterType", "BODY FILTER"), E.element("ConvolutionKernel", "STANDARD"),
            E.element("PatientPosition", "FFS"), E.element("RevolutionTime", "0.5"), E.element("SpiralPitchFactor", "0.984375"),
            E.element("CTDIvol", "11.73"),
            DataElement(sequence: DataDictionary.entry(forKeyword: "CTDIPhantomTypeCodeSequence")!.tag,
                        items: [codeItem("113691", "DCM", "IEC Body Dosimetry Phantom")]),
            E.element("StudyInstanceUID", "2.25.193847561029384756102938475610293847"),
            E.element("SeriesInstanceUID", "2.25.284756102938475610293847561029384756"),
            E.element("StudyID", "48213"), E.element("SeriesNumber", "3"), E.element("AcquisitionNumber", "1"),
            E.element("InstanceNumber", "137"), E.element("ImagePositionPatient", "-175.0\\-175.0\\-185.0"),
            E.element("ImageOrientationPatient", "1\\0\\0\\0\\1\\0"),
            E.element("FrameOfReferenceUID", "2.25.102938475610293847561029384756102938"),
            E.element("PositionReferenceIndicator", "SN"), E.element("SliceLocation", "-185.0"),
            us("SamplesPerPixel", 1), E.element("PhotometricInterpretation", "MONOCHROME2"), us("Rows", 512), us("Columns", 512),
            E.element("PixelSpacing", "0.683594\\0.683594"), us("BitsAllocated", 16), us("BitsStored", 12), us("HighBit", 11),
            us("PixelRepresentation", 1), us("PixelPaddingValue", 0xF830), E.element("WindowCenter", "40\\500"),
            E.element("WindowWidth", "400\\1500"), E.element("RescaleIntercept", "0"), E.element("RescaleSlope", "1"),
            E.element("RescaleType", "HU"), E.element("WindowCenterWidthExplanation", "SOFT TISSUE\\BONE"),
            E.element("LossyImageCompression", "00"),
            DataElement(tag: Tag(group: 0x0009, element: 0x0010), vr: .LO, string: "SENDIT SYNTHETIC"),
            DataElement(tag: Tag(group: 0x0009, element: 0x1001), vr: .LO, string: "benchmark corpus"),
        ])
    }

    /// The values a walk hands the cleaner, decoded beforehand (decoding is the walk's cost):
    /// every text value (UIDs are remapped, not cleaned), and every binary value.
    struct Work {
        var texts: [([String], VR, Tag)] = []
        var binaries: [([UInt8], VR)] = []
        /// Only what the profile keeps (as the walk cleans it), or every value.
        let keptBy: ConfidentialityProfile?

        init(_ ds: DataSet, keptBy profile: ConfidentialityProfile? = nil) {
            keptBy = profile
            add(ds)
        }

        mutating func add(_ ds: DataSet) {
            for e in ds {
                if let items = e.items { for item in items { add(item) }; continue }
                if e.tag.isPrivate || e.vr == .UI { continue }
                if let profile = keptBy, let action = profile.rule(for: e.tag)?.action, action != .k && action != .c { continue }
                if e.vr.isString { texts.append((e.strings(characterSet: .default), e.vr, e.tag)) }
                else if let bytes = e.bytes { binaries.append((bytes, e.vr)) }
            }
        }

        var count: Int { texts.reduce(0) { $0 + $1.0.count } + binaries.count }

        /// Cleans everything; the number of removals.
        func clean(_ cleaner: TextCleaner) -> Int {
            var removed = 0
            for (values, vr, tag) in texts {
                if let cleaned = cleaner.clean(values, vr: vr, tag: tag) { removed += cleaned.removals.values.reduce(0, +) }
            }
            for (bytes, vr) in binaries where cleaner.findInBinary(bytes, vr: vr, characterSet: .default) != nil { removed += 1 }
            return removed
        }
    }

    @Test func collectingAndCleaningACTHeader() throws {
        let ds = Self.ctHeader
        let options = DeidentificationSettings.defaultOptions
        let profile = try ConfidentialityProfile(options: options)
        let everything = Work(ds)
        let kept = Work(ds, keptBy: profile)
        let clock = ContinuousClock()
        let rounds = 5_000
        var removed = 0, needles = 0
        // The first file warms up the dictionary's tables and the folding blocks it needs
        // (a binary value with a byte past ASCII: Latin-1's and U+FFFD's), once per process.
        let first = clock.measure { removed += everything.clean(TextCleaner(IdentifyingValues(original: ds, options: options))) }
        let collect = clock.measure {
            for _ in 0..<rounds { needles += IdentifyingValues(original: ds, options: options).needles.count }
        }
        let build = clock.measure {
            for _ in 0..<rounds { needles += TextCleaner(IdentifyingValues(original: ds, options: options)).needles.needles.count }
        }
        let cleaner = TextCleaner(IdentifyingValues(original: ds, options: options))
        let cleanKept = clock.measure {
            for _ in 0..<rounds { needles += kept.clean(cleaner) }
        }
        removed = 0
        let cleanAll = clock.measure {
            for _ in 0..<rounds { removed += everything.clean(cleaner) }
        }
        func perFile(_ d: Duration) -> String {
            let ns = Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
            return String(format: "%.1f µs", ns / Double(rounds) / 1000)
        }
        let lines = [("collect (IdentifyingValues)", collect), ("collect + build (TextCleaner)", build),
                     ("clean the \(kept.count) values the profile keeps", cleanKept), ("total, as the walk would", build + cleanKept),
                     ("clean all \(everything.count) values (an upper bound)", cleanAll)]
        print("TextCleaner: the first file of a process \(first)")
        print("TextCleaner on the ct-512-1000 header (\(IdentifyingValues(original: ds, options: options).needles.count) needles), per file:")
        for (label, time) in lines { print("  " + label + String(repeating: " ", count: max(1, 50 - label.count)) + perFile(time)) }
        #expect(kept.count > 40 && everything.count > 60)
        // The work was done: the header's own identifying values were found in themselves
        // (the name, the IDs, the dates…), its descriptions kept.
        #expect(removed / rounds >= 10)
        #expect(cleaner.clean(["CT CHEST ABDOMEN PELVIS W CONTRAST"], vr: .LO) == nil)
        #expect(cleaner.clean(["Doe^Jane^Q"], vr: .PN)?.values == [""])
    }
}
