import DICOMCore

/// Reads the Part 10 container and hands the data set to `DataSetParser`.
struct Part10Reader {
    let input: ByteInput
    let options: ReadOptions
    var warnings: [ReadWarning] = []

    init(input: ByteInput, options: ReadOptions) {
        self.input = input
        self.options = options
    }

    func error(_ offset: UInt64, _ reason: String) -> DICOMReadError {
        DICOMReadError(path: input.path, offset: offset, reason: reason)
    }

    mutating func read() throws -> Part10File {
        guard try input.require(132), input.buffer[128..<132].elementsEqual("DICM".utf8) else {
            if options.strictness == .strict || input.remaining < 8 {
                throw error(input.remaining >= 132 ? 128 : 0,
                            input.remaining < 132 ? "not a DICOM file (only \(input.remaining) bytes, no preamble and DICM prefix)"
                                                  : "not a DICOM file (no DICM prefix at offset 128)")
            }
            return try readWithoutPreamble()
        }
        let preamble = Array(input.buffer[0..<128])
        input.skip(132)
        return try readMetaAndDataSet(preamble: preamble)
    }

    /// A file that starts with the File Meta group but no preamble, or a bare data set.
    mutating func readWithoutPreamble() throws -> Part10File {
        guard try input.require(8) else { throw error(0, "not a DICOM file (too short)") }
        let group = input.peekUInt16(at: 0, bigEndian: false)
        if group == 0x0002 {
            warnings.append(ReadWarning(offset: 0, message: "no preamble and DICM prefix; File Meta Information read from offset 0"))
            return try readMetaAndDataSet(preamble: nil)
        }
        guard let ts = recogniseEncoding() else {
            throw error(0, "not a DICOM file (no DICM prefix at offset 128, and the start is not a data set)")
        }
        warnings.append(ReadWarning(offset: 0, message: "no preamble, DICM prefix or File Meta Information; read as a data set in \(ts.name)"))
        return try readRawDataSet(ts)
    }

    /// Recognises a bare data set's encoding from its first element, as dcmtk does: a plausible
    /// group number in little or big endian, and VR letters or not.
    func recogniseEncoding() -> TransferSyntax? {
        let le = input.peekUInt16(at: 0, bigEndian: false)
        let be = input.peekUInt16(at: 0, bigEndian: true)
        let letters = DataSetParser.isVRLetter(input.peekByte(at: 4)) && DataSetParser.isVRLetter(input.peekByte(at: 5))
        let plausible: (UInt16) -> Bool = { $0 >= 0x0008 && $0 <= 0x0100 }
        if plausible(le) { return letters ? .explicitVRLittleEndian : .implicitVRLittleEndian }
        if plausible(be) && letters { return .explicitVRBigEndian }
        return nil
    }

    mutating func readMetaAndDataSet(preamble: [UInt8]?) throws -> Part10File {
        let metaStart = input.offset
        var metaOptions = options
        metaOptions.keepOnly = nil   // the File Meta Information is always read whole
        var metaParser = DataSetParser(input: input, bigEndian: false, explicitVR: true, options: metaOptions)
        let meta = try metaParser.readGroup(0x0002)
        warnings += metaParser.warnings
        try checkGroupLength(meta, start: metaStart)

        var ts: TransferSyntax
        if let uid = meta.uid(.transferSyntaxUID) {
            ts = TransferSyntax.lookup(uid)
            if TransferSyntax.registered(uid) == nil {
                warnings.append(ReadWarning(offset: metaStart, message: "unknown transfer syntax \(uid); read as encapsulated Explicit VR Little Endian"))
            }
            guard ts.isBinaryEncoding else {
                throw error(metaStart, "transfer syntax \(ts.name) is not a binary DICOM encoding")
            }
        } else {
            if options.strictness == .strict {
                throw error(metaStart, "File Meta Information has no Transfer Syntax UID (0002,0010)")
            }
            guard try input.require(8) else {
                throw error(input.offset, "File Meta Information has no Transfer Syntax UID and no data set follows")
            }
            // As pydicom: VR letters after the first tag mean explicit VR, otherwise implicit.
            ts = recogniseEncoding() ?? (DataSetParser.isVRLetter(input.peekByte(at: 4)) && DataSetParser.isVRLetter(input.peekByte(at: 5))
                                         ? .explicitVRLittleEndian : .implicitVRLittleEndian)
            warnings.append(ReadWarning(offset: metaStart, message: "no Transfer Syntax UID (0002,0010); data set read as \(ts.name)"))
        }
        var file = try readDataSet(ts)
        file.fileMetaInformation = meta
        file.preamble = preamble
        return file
    }

    mutating func checkGroupLength(_ meta: DataSet, start: UInt64) throws {
        guard let declared = meta[.fileMetaInformationGroupLength]?.uint32s.first else {
            if options.strictness == .strict {
                throw error(start, "File Meta Information has no group length (0002,0000)")
            }
            warnings.append(ReadWarning(offset: start, message: "File Meta Information has no group length (0002,0000)"))
            return
        }
        let groupLengthElementSize: UInt64 = 12
        let actual = input.offset - start - groupLengthElementSize
        if UInt64(declared) != actual {
            let message = "File Meta Information group length is \(declared) but the group is \(actual) bytes"
            if options.strictness == .strict { throw error(start, message) }
            warnings.append(ReadWarning(offset: start, message: message))
        }
    }

    mutating func readRawDataSet(_ ts: TransferSyntax) throws -> Part10File {
        var file = try readDataSet(ts)
        file.preamble = nil
        return file
    }

    mutating func readDataSet(_ ts: TransferSyntax) throws -> Part10File {
        let dataSetOffset = input.offset
        var source = input
        var description = input.path
        if ts.isDeflated {
            // Inflated as the parser reads: memory follows what is kept, not the stream's size.
            description = (input.path ?? "<memory>") + " (inflated data set)"
            source = try ByteInput(inflating: input, limit: options.maximumInflatedSize, path: description)
        }
        var parser = DataSetParser(input: source, bigEndian: !ts.isLittleEndian, explicitVR: ts.isExplicitVR,
                                   options: options)
        parser.sourceDescription = description
        let dataSet = try parser.readTopLevel()
        var file = Part10File(dataSet: dataSet, transferSyntax: ts)
        file.warnings = warnings + parser.warnings
        file.stoppedBeforePixelData = parser.stoppedBeforePixelData
        file.path = input.path
        file.dataSetOffset = dataSetOffset
        return file
    }
}
