import DICOMCore

/// Writes Part 10 files (PS3.10 7.1): preamble, "DICM", File Meta Information with a correct
/// group length, then the data set in Explicit VR Little Endian, Implicit VR Little Endian,
/// Deflated Explicit VR Little Endian, or (unchanged) the encapsulated syntax it was read in.
///
/// File Meta elements this writer owns and always sets: (0002,0000) group length, (0002,0001)
/// version 00\01, (0002,0010) the transfer syntax written, (0002,0012) sendit's Implementation
/// Class UID and (0002,0013) Implementation Version Name. Media Storage SOP Class/Instance UIDs
/// are kept from the source meta, or taken from the data set if absent. Every other group 0002
/// element of the source meta is kept as it was.
public enum Part10Writer {
    /// sendit's Implementation Class UID: a UUID-derived UID (PS3.5 B.2), fixed for the product.
    public static let implementationClassUID = UID("2.25.216902612893726389327108236522741376381")
    /// Implementation Version Name (SH, at most 16 characters).
    public static let implementationVersionName = "SENDIT_0.1"

    public struct Options: Sendable {
        /// The transfer syntax to write; nil keeps the file's own (Explicit VR Big Endian, which is
        /// retired, is written as Explicit VR Little Endian).
        public var transferSyntax: TransferSyntax?
        /// Keep the file's 128-byte preamble; otherwise (or if it has none) write 128 zero bytes.
        public var keepPreamble: Bool
        /// fdatasync the file before closing it.
        public var sync: Bool

        public init(transferSyntax: TransferSyntax? = nil, keepPreamble: Bool = true, sync: Bool = false) {
            self.transferSyntax = transferSyntax
            self.keepPreamble = keepPreamble
            self.sync = sync
        }
    }

    public struct UnsupportedConversion: Error, CustomStringConvertible {
        public let from: TransferSyntax
        public let to: TransferSyntax
        public var description: String {
            "cannot write \(from.name) data as \(to.name): converting pixel data encodings is not supported"
        }
    }

    public static func write(_ file: Part10File, to path: String, options: Options = Options()) throws {
        let sink = try FileSink(path: path)
        // A file that will be synced starts going to disk as it is written: the sync at the end
        // waits for the tail only.
        sink.startsWriteback = options.sync
        try write(file, into: sink, options: options)
        try sink.close(sync: options.sync)
    }

    public static func encode(_ file: Part10File, options: Options = Options()) throws -> [UInt8] {
        let sink = MemorySink()
        try write(file, into: sink, options: options)
        return sink.bytes
    }

    public static func write(_ file: Part10File, into sink: ByteSink, options: Options = Options()) throws {
        let ts = try outputSyntax(for: file, requested: options.transferSyntax)
        var preamble = [UInt8](repeating: 0, count: 128)
        if options.keepPreamble, let p = file.preamble, p.count == 128 { preamble = p }
        try sink.write(preamble)
        try sink.write(Array("DICM".utf8))
        try DataSetEncoder(explicitVR: true).encode(fileMeta(for: file, transferSyntax: ts), into: sink)
        let encoder = DataSetEncoder(explicitVR: ts.isExplicitVR)
        if ts.isDeflated {
            let deflating = try DeflatingSink(into: sink)
            try encoder.encode(file.dataSet, into: deflating)
            try deflating.finish()
        } else {
            try encoder.encode(file.dataSet, into: sink)
        }
    }

    static func outputSyntax(for file: Part10File, requested: TransferSyntax?) throws -> TransferSyntax {
        let source = file.transferSyntax
        guard let target = requested else {
            return source.isLittleEndian ? source : .explicitVRLittleEndian
        }
        let nativeTargets: Set<UID> = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid,
                                       TransferSyntax.deflatedExplicitVRLittleEndian.uid]
        if target == source && target.isLittleEndian { return target }
        if !source.isEncapsulated && nativeTargets.contains(target.uid) { return target }
        throw UnsupportedConversion(from: source, to: target)
    }

    /// The File Meta Information written for `file` (see the type's documentation).
    public static func fileMeta(for file: Part10File, transferSyntax ts: TransferSyntax) -> DataSet {
        var meta = DataSet()
        for e in file.fileMetaInformation where e.tag.group == 0x0002 { meta.set(e) }
        meta.set(DataElement(tag: .fileMetaInformationVersion, vr: .OB, bytes: [0x00, 0x01]))
        if !meta.contains(.mediaStorageSOPClassUID), let uid = file.dataSet.uid(.sopClassUID) {
            meta.set(DataElement(tag: .mediaStorageSOPClassUID, vr: .UI, string: uid.rawValue))
        }
        if !meta.contains(.mediaStorageSOPInstanceUID), let uid = file.dataSet.uid(.sopInstanceUID) {
            meta.set(DataElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, string: uid.rawValue))
        }
        meta.set(DataElement(tag: .transferSyntaxUID, vr: .UI, string: ts.uid.rawValue))
        meta.set(DataElement(tag: .implementationClassUID, vr: .UI, string: implementationClassUID.rawValue))
        meta.set(DataElement(tag: .implementationVersionName, vr: .SH, string: implementationVersionName))
        meta.set(DataElement(tag: .fileMetaInformationGroupLength, vr: .UL, bytes: [0, 0, 0, 0]))
        return meta   // the encoder computes the group length
    }
}
