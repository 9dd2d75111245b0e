import Foundation

/// One `sendit serve`: when it started and how it ended. A run without an ending did not shut
/// down (killed, crashed, power lost); `failed`: a service failed and stopped the node.
public struct NodeRun: Sendable, Equatable {
    public enum Ending: String, Sendable, Codable {
        case clean, failed
    }

    public var id: Int64
    public var startedAt: Date
    public var endedAt: Date?
    public var ending: Ending?

    public init(id: Int64, startedAt: Date, endedAt: Date? = nil, ending: Ending? = nil) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.ending = ending
    }
}
