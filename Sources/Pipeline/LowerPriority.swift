import CSenditSystem

/// Lowers the calling thread's scheduling priority (Linux keeps a nice value per thread; raising
/// it needs no privilege). Best effort: a failure leaves the priority as it was.
enum LowerPriority {
    static func ofCurrentThread(by niceness: Int32) {
        _ = sendit_lower_thread_priority(niceness)
    }
}
