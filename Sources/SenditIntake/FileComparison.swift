#if canImport(Glibc)
import Glibc
#endif

/// Byte-for-byte comparison of two files, for telling a re-sent instance that is the same as
/// the copy already imported from one that differs.
enum FileComparison {
    /// True if both files can be read and hold the same bytes from their offsets on (the data
    /// sets, skipping File Meta Information that differs between receptions: the source AE
    /// title, the receiving implementation).
    static func sameContents(_ a: String, from offsetA: UInt64 = 0, _ b: String, from offsetB: UInt64 = 0) -> Bool {
        guard let ia = FileIdentity(path: a), let ib = FileIdentity(path: b), ia.isRegularFile, ib.isRegularFile,
              UInt64(ia.size) >= offsetA, UInt64(ib.size) >= offsetB,
              UInt64(ia.size) - offsetA == UInt64(ib.size) - offsetB else { return false }
        if ia.device == ib.device && ia.inode == ib.inode && offsetA == offsetB { return true }
        let fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC)
        defer {
            if fa >= 0 { close(fa) }
            if fb >= 0 { close(fb) }
        }
        guard fa >= 0, fb >= 0, lseek(fa, off_t(offsetA), SEEK_SET) >= 0, lseek(fb, off_t(offsetB), SEEK_SET) >= 0 else { return false }
        let chunk = 1 << 20
        var ba = [UInt8](repeating: 0, count: chunk), bb = [UInt8](repeating: 0, count: chunk)
        while true {
            let na = readFully(fa, &ba), nb = readFully(fb, &bb)
            guard na == nb, na >= 0 else { return false }
            if na == 0 { return true }
            if ba.withUnsafeBytes({ pa in bb.withUnsafeBytes { pb in memcmp(pa.baseAddress!, pb.baseAddress!, na) } }) != 0 {
                return false
            }
        }
    }

    /// Fills `buffer` unless the file ends first; returns the count read, or -1 on error.
    private static func readFully(_ fd: Int32, _ buffer: inout [UInt8]) -> Int {
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if n == 0 { break }
            total += n
        }
        return total
    }
}
