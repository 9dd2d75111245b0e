#if canImport(Glibc)
import Glibc
#endif
import CSenditSystem

/// Lowers the calling thread's scheduling priority (Linux keeps a nice value per thread; raising
/// it needs no privilege). Best effort: a failure leaves the priority as it was.
enum LowerPriority {
    static func ofCurrentThread(by niceness: Int32) {
        #if os(Linux)
        let tid = id_t(sendit_gettid())
        guard tid > 0 else { return }
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid)
        guard errno == 0 else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, min(19, current + niceness))
        #endif
    }
}
