import Foundation
import Synchronization

/// The studies this node is retrieving, as the receiver's routing asks: an instance of one of
/// them goes to its job's project, not through the routing rules.
public protocol RetrievalClaims: AnyObject, Sendable {
    /// The project and retrieval item of a study being retrieved, or nil.
    func claim(studyUID: String) -> (project: String, item: Int64)?
}

/// The claims of the serve process, in memory (the index holds them durably: at start-up the
/// studies moving or arrived are claimed again). Thread-safe.
public final class RetrievalRegistry: RetrievalClaims {
    public struct Entry: Sendable, Equatable {
        public var project: String
        public var item: Int64
        public var expectedInstances: Int?
        public init(project: String, item: Int64, expectedInstances: Int?) {
            self.project = project
            self.item = item
            self.expectedInstances = expectedInstances
        }
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// The studies a C-MOVE or C-GET of this node is retrieving now: the source's AE title and
    /// how many operations (of the same study) are running.
    private let running = Mutex<[String: (source: String, count: Int)]>([:])

    public init() {}

    public func claim(studyUID: String) -> (project: String, item: Int64)? {
        entries.withLock { $0[studyUID].map { ($0.project, $0.item) } }
    }

    public func entry(studyUID: String) -> Entry? { entries.withLock { $0[studyUID] } }

    public func register(studyUID: String, _ entry: Entry) { entries.withLock { $0[studyUID] = entry } }

    /// Releases the study's claim if it is still the item's (the same study may have been
    /// claimed again since, for another item: that claim stays); returns the released entry.
    @discardableResult
    public func release(studyUID: String, item: Int64) -> Entry? {
        entries.withLock { e in
            guard let entry = e[studyUID], entry.item == item else { return nil }
            e[studyUID] = nil
            return entry
        }
    }

    public var count: Int { entries.withLock { $0.count } }

    /// A C-MOVE or C-GET of the study from the source with this AE title begins.
    public func beginRetrieving(studyUID: String, sourceAETitle: String) {
        running.withLock { $0[studyUID] = (sourceAETitle, ($0[studyUID]?.count ?? 0) + 1) }
    }

    /// The operation `beginRetrieving` announced has ended (its final response is in).
    public func endRetrieving(studyUID: String) {
        running.withLock {
            guard let r = $0[studyUID] else { return }
            $0[studyUID] = r.count > 1 ? (r.source, r.count - 1) : nil
        }
    }

    /// The AE title of the source a C-MOVE or C-GET of the study is running from, or nil.
    public func retrievingFrom(studyUID: String) -> String? { running.withLock { $0[studyUID]?.source } }
}
