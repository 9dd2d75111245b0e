import DICOMNetwork
import DICOMUpperLayer
import Testing

/// The window of outstanding requests, without sockets: matching by Message ID, what an abort
/// leaves, and the negotiated size.
@Suite struct OperationsWindowTests {
    @Test func responsesInAnyOrderAreMatchedToTheirItems() {
        var w = OperationsWindow<String>(capacity: 3)
        let first = [w.sent(1, "a"), w.sent(2, "b"), w.sent(3, "c")]
        #expect(first == [true, true, true] && w.isFull)
        let overfull = w.sent(4, "d")
        #expect(!overfull, "a full window takes no more")
        let a = [w.answered(3), w.answered(1)]
        #expect(a == ["c", "a"])
        #expect(!w.isFull && w.count == 1)
        let more = w.sent(4, "d")
        let b = [w.answered(4), w.answered(2)]
        #expect(more && b == ["d", "b"])
        #expect(w.isEmpty)
    }

    @Test func aResponseToNothingOrASecondResponseIsRefused() {
        var w = OperationsWindow<String>(capacity: 2)
        _ = w.sent(7, "a")
        let toNothing = w.answered(8), first = w.answered(7), second = w.answered(7)
        #expect(toNothing == nil && first == "a")
        #expect(second == nil, "answered twice")
        let b = w.sent(9, "b"), again = w.sent(9, "c")
        #expect(b && !again, "an ID already outstanding")
    }

    @Test func anAbortLeavesExactlyTheUnansweredInTheOrderSent() {
        var w = OperationsWindow<Int>(capacity: 8)
        for i in 1...8 { _ = w.sent(UInt16(100 + i), i) }
        #expect(w.count == 8)
        for id: UInt16 in [105, 101, 108] { _ = w.answered(id) }
        let left = w.abandon(), after = w.abandon()
        #expect(left == [2, 3, 4, 6, 7])
        #expect(w.isEmpty && after.isEmpty)
    }

    @Test func aCapacityBelowOneIsOneAtATime() {
        var w = OperationsWindow<Int>(capacity: 0)
        let sent = w.sent(1, 1)
        #expect(w.capacity == 1 && sent && w.isFull)
    }

    @Test func theNegotiatedWindowIsTheSmallerOfProposalAndAnswer() {
        typealias W = OperationsWindow<Void>
        func answer(_ invoked: UInt16) -> AsynchronousOperationsWindow { .init(maximumInvoked: invoked, maximumPerformed: 1) }
        #expect(W.negotiated(proposed: 8, answer: nil) == 1, "no answer: one at a time")
        #expect(W.negotiated(proposed: 8, answer: answer(1)) == 1)
        #expect(W.negotiated(proposed: 8, answer: answer(4)) == 4)
        #expect(W.negotiated(proposed: 8, answer: answer(100)) == 8, "never more than proposed")
        #expect(W.negotiated(proposed: 8, answer: answer(0)) == 8, "0 is unlimited: the proposal")
        #expect(W.negotiated(proposed: 1, answer: answer(8)) == 1, "nothing proposed, nothing taken")
    }
}
