import Foundation

extension StorageSCU {
    /// Sends each slice of files on associations of its own, all slices at once, each on a thread
    /// of its own, and returns when all are done. Threads, not DispatchQueue.concurrentPerform:
    /// an association mostly waits on the network, and concurrentPerform runs only as many
    /// iterations at once as there are cores (on 2 cores, 8 associations went 2 at a time).
    public static func send(slices: [[String]], to destination: Destination,
                            progress: @escaping @Sendable (FileResult) -> Void,
                            shouldContinue: @escaping @Sendable () -> Bool = { true }) {
        let group = DispatchGroup()
        for slice in slices where !slice.isEmpty {
            group.enter()
            Thread.detachNewThread {
                _ = send(paths: slice, to: destination, progress: progress, shouldContinue: shouldContinue)
                group.leave()
            }
        }
        group.wait()
    }
}
