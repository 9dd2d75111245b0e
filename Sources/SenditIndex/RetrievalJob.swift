import Foundation

/// A retrieval job: a requester's list to fetch from one archive (`RETRIEVE_SOURCES`' name)
/// into one project (its name; checked against the configured projects by whoever configures
/// them). Its items are the list's values.
public struct RetrievalJob: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        case move, get
    }

    public var id: Int64
    public var source: String
    public var project: String
    public var method: Method
    public var createdAt: Date
    public var paused: Bool
    /// Who asked: a user name, or "cli:<unix user>".
    public var requester: String

    public init(id: Int64 = 0, source: String, project: String, method: Method, createdAt: Date, paused: Bool = false,
                requester: String) {
        self.id = id
        self.source = source
        self.project = project
        self.method = method
        self.createdAt = createdAt
        self.paused = paused
        self.requester = requester
    }

    /// A retrieval source's name: 1 to 64 letters, digits, `-` or `_`. (A project's name is
    /// checked against the node's projects, whose names RoutingPolicy.isValidProjectName rules.)
    public static func isSimpleName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D
        }
    }
}
