import CSenditSystem
import Foundation

/// How many processors this process can use: the machine's, fewer if its CPU affinity (taskset,
/// a container's cpuset) allows fewer, and fewer again if its cgroup's CPU quota (a container's
/// `--cpus`, systemd's CPUQuota) is smaller, rounded up. Foundation's `activeProcessorCount`
/// counts the machine's alone, so a node pinned to one core ran as many workers as the machine
/// has cores, all on that one. `WORKERS=auto` and a series' de-identification threads use this.
public enum UsableProcessors {
    public static let count: Int = {
        let affinity = Int(sendit_affinity_cpu_count())
        let quota = (try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8)).flatMap(quotaProcessors)
        return resolve(machine: ProcessInfo.processInfo.activeProcessorCount, affinity: affinity, quota: quota)
    }()

    /// The smallest known of the three, at least 1 (0 or nil: not known).
    static func resolve(machine: Int, affinity: Int, quota: Int?) -> Int {
        var n = max(1, machine)
        if affinity > 0 { n = min(n, affinity) }
        if let quota, quota > 0 { n = min(n, quota) }
        return n
    }

    /// Processors a cgroup v2 `cpu.max` ("QUOTA PERIOD", or "max PERIOD": no limit) allows,
    /// rounded up; nil when it sets no limit or cannot be read.
    static func quotaProcessors(_ text: String) -> Int? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else { return nil }
        return Int((quota / period).rounded(.up))
    }
}
