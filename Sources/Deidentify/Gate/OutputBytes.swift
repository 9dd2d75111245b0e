#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of the written output, read whole into memory that is not zeroed first (half a
/// megabyte for a CT slice, read on every copy). Reading measured faster than mapping the file
/// (the unmapping costs more than the copy), and a mapped file cut short under the gate would
/// stop the process rather than fail the check.
final class OutputBytes {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let buffer: UnsafeBufferPointer<UInt8>
    private let storage: UnsafeMutableRawPointer

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Failure(description: String(cString: strerror(errno))) }
        let size = Int(st.st_size)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        var done = 0
        while done < size {
            let n = read(fd, memory + done, size - done)
            if n <= 0 { break }
            done += n
        }
        // Bytes written after the size was read would go unsearched: refuse such a file.
        var extra: UInt8 = 0
        guard done == size, read(fd, &extra, 1) == 0 else {
            memory.deallocate()
            throw Failure(description: "the file changed while it was read (\(done) of \(size) bytes)")
        }
        storage = memory
        buffer = UnsafeBufferPointer(start: memory.assumingMemoryBound(to: UInt8.self), count: size)
    }

    deinit { storage.deallocate() }
}
