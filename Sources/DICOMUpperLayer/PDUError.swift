/// A PDU that cannot be decoded (PS3.8 9.3): the reason to give in the A-ABORT that follows
/// (Evt19, "unrecognized or invalid PDU"), and a message for the log.
public struct PDUError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: AbortReason
    public let message: String

    public init(_ reason: AbortReason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(message) (\(reason))" }
}
