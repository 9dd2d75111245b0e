#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to stdout and direct writes to stderr (print() locks and flushes per call).
enum StandardOutput {
    nonisolated(unsafe) static var buffer: [UInt8] = []

    static func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends to the output buffer in place (no copy), then flushes if it is large.
    static func write(_ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        if buffer.count >= 1 << 16 { flush() }
    }

    static func error(_ text: String) {
        flush()
        writeAll(2, Array(text.utf8))
    }

    static func flush() {
        writeAll(1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var done = 0
        bytes.withUnsafeBytes { b in
            while done < b.count {
                let r = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                if r < 0 { if errno == EINTR { continue }; return }
                done += r
            }
        }
    }
}
