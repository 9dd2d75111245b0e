/// A destination as the index knows it: the name its delivery records carry, the stage of its
/// send jobs, and its address (for what `sendit send-status` shows).
public struct SendDestination: Sendable, Equatable {
    public var name: String
    public var stage: String
    public var address: String

    public init(name: String, stage: String, address: String = "") {
        self.name = name
        self.stage = stage
        self.address = address
    }
}
