import DICOMCore

/// How a transfer syntax carries Pixel Data, as far as rebuilding it is concerned. The UIDs
/// come from DICOMCore's table generated from spec/dicom/transfer-syntaxes.tsv.
enum PixelDataEncoding: Equatable {
    /// Native (uncompressed) Pixel Data: one value (PS3.5 8.1.1); also the deflated syntax,
    /// whose data set the reader has already inflated.
    case native
    /// Native frames, one per fragment (PS3.5 A.4.11).
    case encapsulatedUncompressed
    /// JPEG (ISO 10918-1) marker streams.
    case jpeg
    /// JPEG-LS (ISO 14495-1) marker streams.
    case jpegLS
    /// JPEG 2000 codestreams (ISO 15444-1; Part 2 multi-component adds its own markers).
    case jpeg2000(part2: Bool)
    /// RLE Lossless (PS3.5 Annex G).
    case rle
    /// MPEG-2, MPEG-4 AVC/H.264, HEVC/H.265: a person must look at it.
    case video
    /// Pixel Data must not be there at all (JPIP: it is referenced by a URL).
    case referenced
    /// Encapsulated data sendit cannot rebuild (Deflated Image Frame Compression, JPEG XL,
    /// the retired JPEG processes, a private syntax).
    case unsupported

    init(_ ts: TransferSyntax) {
        let uid = ts.uid
        if PixelDataEncoding.jpegUIDs.contains(uid) { self = .jpeg; return }
        if PixelDataEncoding.jpegLSUIDs.contains(uid) { self = .jpegLS; return }
        if PixelDataEncoding.jpeg2000Part1UIDs.contains(uid) { self = .jpeg2000(part2: false); return }
        if PixelDataEncoding.jpeg2000Part2UIDs.contains(uid) { self = .jpeg2000(part2: true); return }
        if uid == TransferSyntax.rleLossless.uid { self = .rle; return }
        if uid == TransferSyntax.encapsulatedUncompressedExplicitVRLittleEndian.uid { self = .encapsulatedUncompressed; return }
        if PixelDataEncoding.videoUIDs.contains(uid) { self = .video; return }
        if PixelDataEncoding.referencedUIDs.contains(uid) { self = .referenced; return }
        self = ts.isEncapsulated ? .unsupported : .native
    }

    static let jpegUIDs: Set<UID> = [TransferSyntax.jpegBaseline8Bit, .jpegExtended12Bit, .jpegLossless, .jpegLosslessSV1].uids
    static let jpegLSUIDs: Set<UID> = [TransferSyntax.jpeglsLossless, .jpeglsNearLossless].uids
    static let jpeg2000Part1UIDs: Set<UID> = [TransferSyntax.jpeg2000Lossless, .jpeg2000, .htj2KLossless,
                                              .htj2KLosslessRPCL, .htj2K].uids
    static let jpeg2000Part2UIDs: Set<UID> = [TransferSyntax.jpeg2000MCLossless, .jpeg2000MC].uids
    static let videoUIDs: Set<UID> = [
        TransferSyntax.mpeg2MPML, .mpeg2MPMLF, .mpeg2MPHL, .mpeg2MPHLF,
        .mpeg4HP41, .mpeg4HP41F, .mpeg4HP41BD, .mpeg4HP41BDF, .mpeg4HP422D, .mpeg4HP422DF,
        .mpeg4HP423D, .mpeg4HP423DF, .mpeg4HP42STEREO, .mpeg4HP42STEREOF,
        .hevcmp51, .hevcm10P51,
    ].uids
    static let referencedUIDs: Set<UID> = [TransferSyntax.jpipReferenced, .jpipReferencedDeflate, .jpiphtj2KReferenced,
                                           .jpiphtj2KReferencedDeflate].uids
}

private extension Array where Element == TransferSyntax {
    var uids: Set<UID> { Set(map(\.uid)) }
}
