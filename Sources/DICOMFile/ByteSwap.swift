/// Byte order conversion for big endian data (Explicit VR Big Endian, retired but still read).
enum ByteSwap {
    static func swap(_ bytes: inout [UInt8], unit: Int) {
        guard unit > 1 else { return }
        let n = bytes.count - bytes.count % unit
        bytes.withUnsafeMutableBufferPointer { b in
            var i = 0
            while i < n {
                var lo = i, hi = i + unit - 1
                while lo < hi {
                    b.swapAt(lo, hi)
                    lo += 1
                    hi -= 1
                }
                i += unit
            }
        }
    }
}
