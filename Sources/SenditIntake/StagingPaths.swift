import Foundation

/// Keeps the paths of images indexed from a staging folder valid while the folder is renamed
/// (finished). A stage that reads an original reads it inside `reading`, which gives the file's
/// current path (the folder may have been renamed since the stage was handed its path); the
/// intake renames a folder and moves its images' paths in the index inside `renaming`, which
/// waits for the readers in progress and holds new ones back meanwhile (writers first, so a
/// steady stream of readers cannot starve a rename). Within one process; a kill between the
/// rename and the index's update is finished at the next start from the recorded intent.
public final class StagingPaths: @unchecked Sendable {
    private let condition = NSCondition()
    private var readers = 0
    private var writing = false
    private var writersWaiting = 0
    /// Finished folders by their staging path (`<data>/<key>.tmpX` → `<data>/<key>`), for paths
    /// handed out before the rename. The newest `limit` are kept.
    private var renamed: [String: String] = [:]
    private var order: [String] = []
    let limit: Int

    public init(limit: Int = 10_000) { self.limit = limit }

    /// Runs `body` with the current path of `path`, no folder being renamed meanwhile.
    public func reading<T>(_ path: String, _ body: (String) throws -> T) rethrows -> T {
        condition.lock()
        while writing || writersWaiting > 0 { condition.wait() }
        readers += 1
        let current = currentLocked(path)
        condition.unlock()
        defer {
            condition.lock()
            readers -= 1
            if readers == 0 { condition.broadcast() }
            condition.unlock()
        }
        return try body(current)
    }

    /// Runs `body` (which renames folders and returns those it renamed, from → to) alone.
    public func renaming<T>(_ body: () throws -> (T, [(from: String, to: String)])) rethrows -> T {
        condition.lock()
        writersWaiting += 1
        while writing || readers > 0 { condition.wait() }
        writersWaiting -= 1
        writing = true
        condition.unlock()
        var done: [(from: String, to: String)] = []
        defer {
            condition.lock()
            for (from, to) in done { recordLocked(from: from, to: to) }
            writing = false
            condition.broadcast()
            condition.unlock()
        }
        let (result, renamed) = try body()
        done = renamed
        return result
    }

    /// The current path of `path`: under a finished folder's new name if its folder was renamed.
    public func current(_ path: String) -> String {
        condition.lock()
        defer { condition.unlock() }
        return currentLocked(path)
    }

    private func currentLocked(_ path: String) -> String {
        guard !renamed.isEmpty, let slash = path.lastIndex(of: "/") else { return path }
        var folder = String(path[..<slash])
        var rest = String(path[slash...])
        // A file in a sub-folder of the staging folder (the receiver makes none; a recovery may).
        while renamed[folder] == nil, let up = folder.lastIndex(of: "/") {
            rest = String(folder[up...]) + rest
            folder = String(folder[..<up])
        }
        guard let to = renamed[folder] else { return path }
        return to + rest
    }

    private func recordLocked(from: String, to: String) {
        if renamed.updateValue(to, forKey: from) == nil { order.append(from) }
        if order.count > limit {
            for old in order.prefix(order.count - limit) { renamed[old] = nil }
            order.removeFirst(order.count - limit)
        }
    }
}
