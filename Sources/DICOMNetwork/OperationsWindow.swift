import DICOMUpperLayer

/// The requests outstanding on one association under an Asynchronous Operations Window
/// (PS3.7 D.3.3.3): Message ID → what the request was for (an image), in the order sent. Pure:
/// StorageSCU sends while `isFull` is false, hands each response's Message ID Being Responded
/// To to `answered`, and on an abort or a timeout takes `abandon()` — exactly the requests that
/// got no answer.
public struct OperationsWindow<Item> {
    /// Requests that may be outstanding at once (at least 1: one at a time).
    public let capacity: Int
    private var outstanding: [(id: UInt16, item: Item)] = []

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var isFull: Bool { outstanding.count >= capacity }
    public var isEmpty: Bool { outstanding.isEmpty }
    public var count: Int { outstanding.count }

    /// A request was sent as message `id`. False (nothing recorded) if the window is full or
    /// `id` is already outstanding: the caller must not send then.
    public mutating func sent(_ id: UInt16, _ item: Item) -> Bool {
        guard !isFull, !outstanding.contains(where: { $0.id == id }) else { return false }
        outstanding.append((id, item))
        return true
    }

    /// The item a response to message `id` answers, no longer outstanding; nil if no request
    /// with that ID is outstanding (a protocol error of the peer: a response to nothing, or a
    /// second response to the same request).
    public mutating func answered(_ id: UInt16) -> Item? {
        guard let i = outstanding.firstIndex(where: { $0.id == id }) else { return nil }
        return outstanding.remove(at: i).item
    }

    /// The items still unanswered, in the order they were sent; the window is empty afterwards.
    public mutating func abandon() -> [Item] {
        defer { outstanding = [] }
        return outstanding.map(\.item)
    }

    /// The window to use on an association: what this side proposed (`proposed`, 1 if it
    /// proposed none), limited by what the acceptor answered as the requestor's Maximum Number
    /// Operations Invoked (0: unlimited). No answer, or no proposal, means one at a time.
    public static func negotiated(proposed: Int, answer: AsynchronousOperationsWindow?) -> Int {
        guard proposed > 1, let answer else { return 1 }
        let allowed = answer.maximumInvoked == 0 ? proposed : Int(answer.maximumInvoked)
        return max(1, min(proposed, allowed))
    }
}
