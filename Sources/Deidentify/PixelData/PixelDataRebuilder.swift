import DICOMCore

/// Rebuilds the containers of a data set's pixel data so that nothing but decodable image data
/// leaves: a patient's name can hide in a JPEG comment or application segment, after the end
/// of an image, in a fragment that belongs to no frame, in an oversized offset table, in a
/// JPEG 2000 comment or JP2 box, past the end of native pixels, or in the bits of a sample
/// outside Bits Stored. What each codec keeps is documented on its rebuilder
/// (`JPEGFrameRebuilder`, `JPEG2000FrameRebuilder`, `RLEFrameRebuilder`, `NativePixelData`);
/// the frames of encapsulated data are found and reassembled by `EncapsulatedPixelData`.
///
/// The entropy-coded data itself is copied as it is: what a codec decodes is the image.
/// Burned-in text in the image is another matter (see `BurnedInRules`).
public enum PixelDataRebuilder {
    /// Rebuilds the top-level Pixel Data (7FE0,0010), Float Pixel Data (7FE0,0008) and Double
    /// Float Pixel Data (7FE0,0009) of `dataSet` in place, and removes the Extended Offset
    /// Table (7FE0,0001) and its lengths (7FE0,0002).
    ///
    /// - Returns: `.kept` if nothing needed changing (the elements are as they were: a value
    ///   left in the source file stays there, for the writer to copy in the kernel);
    ///   `.rebuilt` if something was; `.hold` for video, which sendit cannot rebuild (the data
    ///   set is then unchanged).
    /// - Parameter spool: where rebuilt values go instead of memory (see `PixelDataSpool`);
    ///   nil keeps them in memory. Frames are rebuilt one at a time either way.
    /// - Throws: `PixelDataRefusal` naming what cannot be parsed or rebuilt (never a pixel or
    ///   text value); the data set is then unchanged. Reading a value left in its file can
    ///   throw the reader's error.
    public static func rebuild(_ dataSet: inout DataSet, transferSyntax: TransferSyntax,
                               spool: PixelDataSpool? = nil) throws -> PixelDataOutcome {
        let encoding = PixelDataEncoding(transferSyntax)
        let hasPixelData = dataSet.contains(.pixelData)
        switch encoding {
        case .video where hasPixelData:
            return .hold(reason: "the Pixel Data is video (\(transferSyntax)), which sendit cannot rebuild: a person must look at it")
        case .referenced where hasPixelData:
            throw PixelDataRefusal("Pixel Data is present in \(transferSyntax), where it is referenced by a URL instead")
        case .unsupported where hasPixelData:
            throw PixelDataRefusal("sendit cannot rebuild Pixel Data in \(transferSyntax)")
        default:
            break
        }
        var ds = dataSet
        var changed = false
        let description = ImagePixelDescription(dataSet)
        for (tag, size) in [(Tag.floatPixelData, 4), (Tag.doubleFloatPixelData, 8)] {
            guard let e = ds[tag] else { continue }
            if let value = try NativePixelData.rebuildFloat(e, bytesPerSample: size, description: description) {
                ds.set(DataElement(tag: tag, vr: e.vr, value: .binary(value)))
                changed = true
            }
        }
        if let e = ds[.pixelData] {
            if encoding == .native {
                if let value = try NativePixelData.rebuild(e, description: description, bigEndian: !transferSyntax.isLittleEndian,
                                                           spool: spool) {
                    ds.set(DataElement(tag: .pixelData, vr: e.vr, value: .binary(value)))
                    changed = true
                }
            } else {
                changed = try EncapsulatedPixelData.rebuild(&ds, encoding: encoding, spool: spool) || changed
            }
        }
        for tag in [Tag.extendedOffsetTable, .extendedOffsetTableLengths] where ds.remove(tag) != nil {
            changed = true
        }
        guard changed else { return .kept }
        dataSet = ds
        return .rebuilt
    }
}
