/// The bytes of one rebuilt frame, made of stretches copied from the frame as it came and of
/// bytes written anew. It remembers whether the result is one unbroken stretch of the input,
/// so that a frame needing no change (or only a cut) can stay in its source file.
struct FrameOutput {
    private(set) var bytes: [UInt8] = []
    /// The input range the output equals, while it is one.
    private var copied: Range<Int>? = nil
    private var broken = false

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func copy(_ input: [UInt8], _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        bytes.append(contentsOf: input[range])
        if broken { return }
        if let c = copied {
            if c.upperBound == range.lowerBound { copied = c.lowerBound..<range.upperBound } else { broken = true }
        } else if bytes.count == range.count {
            copied = range
        } else {
            broken = true
        }
    }

    mutating func write(_ new: [UInt8]) {
        guard !new.isEmpty else { return }
        bytes.append(contentsOf: new)
        broken = true
    }

    /// The input range the output is a verbatim copy of, if it is one.
    var verbatimRange: Range<Int>? { broken ? nil : copied }
}
