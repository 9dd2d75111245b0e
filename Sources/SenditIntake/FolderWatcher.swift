#if canImport(Glibc)
import Glibc
#endif
import CSenditSystem

/// Watches the data folder with inotify for entries created or moved in (the rename that
/// finishes a folder). Events can be lost (the kernel queue overflows) and do not survive a
/// restart, so the intake also rescans; an overflow asks for a rescan at once.
final class FolderWatcher: @unchecked Sendable {
    struct Events {
        var names: [String] = []
        var overflow = false
    }

    private let fd: Int32

    init(folder: String) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard fd >= 0 else { throw QuarantineError(message: "inotify_init1: \(String(cString: strerror(errno)))") }
        let mask = UInt32(IN_MOVED_TO) | UInt32(IN_CREATE) | UInt32(IN_ONLYDIR)
        guard inotify_add_watch(fd, folder, mask) >= 0 else {
            let e = errno
            close(fd)
            throw QuarantineError(message: "cannot watch \(folder): \(String(cString: strerror(e)))")
        }
    }

    deinit { close(fd) }

    /// Waits up to `timeout` seconds for events; returns the names of entries that appeared.
    /// Throws if the watch itself fails (the intake would otherwise go on blind).
    func wait(timeout: Double) throws -> Events {
        var events = Events()
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(max(0, timeout * 1000)))
        if ready < 0 && errno != EINTR {
            throw QuarantineError(message: "poll on the data folder's watch: \(String(cString: strerror(errno)))")
        }
        guard ready > 0 else { return events }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            guard n > 0 else { break }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= n {
                let (mask, length) = buffer.withUnsafeBytes { raw -> (UInt32, Int) in
                    let e = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (e.mask, Int(e.len))
                }
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { events.overflow = true }
                if length > 0 {
                    let nameBytes = buffer[(offset + header)..<min(offset + header + length, n)]
                    let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                    if !name.isEmpty { events.names.append(name) }
                }
                offset += header + length
            }
        }
        return events
    }
}
