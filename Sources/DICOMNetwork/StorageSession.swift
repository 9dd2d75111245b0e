import Foundation

/// Associations to one destination kept open from one send to the next: a send job that sends
/// a series in rounds, as its images are de-identified, opens its associations once rather than
/// once per round. Slice i of each `send` goes on lane i; a lane's association is used again
/// only if it is still open (nothing came from the peer meanwhile: no A-ABORT, no A-RELEASE-RQ,
/// no end of the connection), was negotiated for the files' SOP classes and transfer syntaxes,
/// and has been idle less than `maximumIdle`; otherwise it is let go and a new one opened.
/// `close()` releases them all. Not for use from two `send` calls at once.
public final class StorageSession: @unchecked Sendable {
    public let destination: StorageSCU.Destination
    /// An association idle longer is released rather than used again (peers close idle
    /// associations: Orthanc after DicomScpTimeout, 30 s by default).
    public var maximumIdle: TimeInterval = 10
    private var lanes: [Lane] = []

    public init(destination: StorageSCU.Destination) {
        self.destination = destination
    }

    deinit { close() }

    /// One association's place between sends.
    final class Lane: @unchecked Sendable {
        private var association: RequestorAssociation?
        /// What `association` was opened for (SOP class | transfer syntax).
        private var keys: Set<String> = []
        private var idleSince = 0.0
        let maximumIdle: TimeInterval

        init(maximumIdle: TimeInterval) { self.maximumIdle = maximumIdle }

        /// The kept association if it can carry files of `keys` (SOP class | transfer syntax);
        /// otherwise it is released (or aborted, if it broke) and nil is returned.
        func take(covering wanted: [String]) -> RequestorAssociation? {
            guard let open = association else { return nil }
            association = nil
            let fresh = Socket.now() - idleSince < maximumIdle
            if fresh && open.isIdleAndOpen && Set(wanted).isSubset(of: keys) { return open }
            if open.isIdleAndOpen { try? open.release() } else { open.abort() }
            return nil
        }

        /// Keeps an association that ended a send without failing, for the next one; `keys`:
        /// what it was opened for, nil for the one `take` lent (it keeps what it had).
        func keep(_ open: RequestorAssociation, keys: [String]?) {
            if let old = association, old !== open { try? old.release() }
            if let keys { self.keys = Set(keys) }
            association = open
            idleSince = Socket.now()
        }

        func close() {
            guard let open = association else { return }
            association = nil
            if open.isIdleAndOpen { try? open.release() } else { open.abort() }
        }

        var isOpen: Bool { association != nil }
    }

    /// As `StorageSCU.send(slices:to:progress:shouldContinue:)`, on this session's associations.
    public func send(slices: [[String]], progress: @escaping @Sendable (StorageSCU.FileResult) -> Void,
                     shouldContinue: @escaping @Sendable () -> Bool = { true }) {
        while lanes.count < slices.count { lanes.append(Lane(maximumIdle: maximumIdle)) }
        let group = DispatchGroup()
        let destination = destination
        for (slice, lane) in zip(slices, lanes) where !slice.isEmpty {
            group.enter()
            Thread.detachNewThread {
                _ = StorageSCU.send(paths: slice, to: destination, lane: lane, progress: progress, shouldContinue: shouldContinue)
                group.leave()
            }
        }
        group.wait()
    }

    /// How many associations are open between sends.
    public var openAssociations: Int { lanes.filter(\.isOpen).count }

    /// Releases every association.
    public func close() {
        for lane in lanes { lane.close() }
    }
}
