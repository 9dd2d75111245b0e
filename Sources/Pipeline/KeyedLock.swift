import Foundation

/// Mutual exclusion per key (a study's row id): two workers identifying two series of one
/// study take turns, so the study is asked for once; series of other studies go on.
public final class KeyedLock: @unchecked Sendable {
    private let condition = NSCondition()
    private var held = Set<Int64>()

    public init() {}

    public func withLock<T>(_ key: Int64, _ body: () throws -> T) rethrows -> T {
        condition.lock()
        while held.contains(key) { condition.wait() }
        held.insert(key)
        condition.unlock()
        defer {
            condition.lock()
            held.remove(key)
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
