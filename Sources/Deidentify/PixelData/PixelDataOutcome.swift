/// What `PixelDataRebuilder` did to a data set's Pixel Data.
public enum PixelDataOutcome: Sendable, Equatable {
    /// Nothing needed changing: every pixel data element was left exactly as it was (a value
    /// left in the source file is still there, for the writer to copy in the kernel).
    case kept
    /// At least one element was rebuilt: only decodable image data remains.
    case rebuilt
    /// The pixel data cannot be rebuilt by sendit but may be fine (video): a person must look
    /// at it before it leaves. The reason names the transfer syntax, never a value.
    case hold(reason: String)
}
