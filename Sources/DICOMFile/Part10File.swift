import DICOMCore

/// A DICOM file (PS3.10 7): 128-byte preamble, "DICM", File Meta Information (group 0002, always
/// Explicit VR Little Endian) and the data set in the transfer syntax the meta names.
public struct Part10File: Sendable {
    /// The 128-byte preamble as read; nil for a raw data set read without one.
    public var preamble: [UInt8]?
    public var fileMetaInformation: DataSet
    public var dataSet: DataSet
    public var transferSyntax: TransferSyntax
    /// Defects lenient reading read past.
    public var warnings: [ReadWarning]
    /// Reading stopped before top-level Pixel Data (`ReadOptions.stopBeforePixelData`).
    public var stoppedBeforePixelData: Bool
    /// The file it was read from, if any; deferred values refer to it.
    public var path: String?
    /// Where the data set's encoded bytes start in the input (after the File Meta Information),
    /// so a sender can stream them as they are.
    public var dataSetOffset: UInt64 = 0

    public init(fileMetaInformation: DataSet = DataSet(), dataSet: DataSet, transferSyntax: TransferSyntax,
                preamble: [UInt8]? = nil) {
        self.fileMetaInformation = fileMetaInformation
        self.dataSet = dataSet
        self.transferSyntax = transferSyntax
        self.preamble = preamble
        warnings = []
        stoppedBeforePixelData = false
        path = nil
    }

    /// Reads a Part 10 file. In lenient mode a file without preamble and "DICM" is read as a raw
    /// data set whose encoding is recognised from its first bytes (with a warning), as dcmtk does.
    public static func read(path: String, options: ReadOptions = .default) throws -> Part10File {
        var reader = Part10Reader(input: try ByteInput(path: path), options: options)
        return try reader.read()
    }

    public static func read(bytes: [UInt8], options: ReadOptions = .default) throws -> Part10File {
        var reader = Part10Reader(input: ByteInput(bytes: bytes), options: options)
        return try reader.read()
    }

    /// Reads a data set without preamble or File Meta Information, in the transfer syntax the
    /// caller names (as received over the network), from `offset` of a file.
    public static func readDataSet(path: String, transferSyntax: TransferSyntax, offset: UInt64 = 0,
                                   options: ReadOptions = .default) throws -> Part10File {
        let input = try ByteInput(path: path)
        if offset > 0 {
            guard offset <= input.end else {
                throw DICOMReadError(path: path, offset: offset, reason: "offset is past the end of the file")
            }
            input.skip(offset)
        }
        var reader = Part10Reader(input: input, options: options)
        return try reader.readRawDataSet(transferSyntax)
    }

    public static func readDataSet(bytes: [UInt8], transferSyntax: TransferSyntax,
                                   options: ReadOptions = .default) throws -> Part10File {
        var reader = Part10Reader(input: ByteInput(bytes: bytes), options: options)
        return try reader.readRawDataSet(transferSyntax)
    }

    public var sopClassUID: UID? { dataSet.uid(.sopClassUID) ?? fileMetaInformation.uid(.mediaStorageSOPClassUID) }
    public var sopInstanceUID: UID? {
        dataSet.uid(.sopInstanceUID) ?? fileMetaInformation.uid(.mediaStorageSOPInstanceUID)
    }
}
