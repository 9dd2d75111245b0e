/// Pixel data that cannot be parsed or rebuilt, so must not leave. The reason names what is
/// wrong (the element, the frame, the marker, offsets and lengths), never a pixel or text value.
public struct PixelDataRefusal: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }

    /// The same refusal with where it happened put in front ("frame 2 of 5: ...").
    func within(_ context: String) -> PixelDataRefusal { PixelDataRefusal("\(context): \(reason)") }
}
