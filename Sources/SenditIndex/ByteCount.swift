import Foundation

/// A number of bytes as people read it: powers of 1000 with one decimal (`39.0 MB`), whole
/// bytes below 1 kB. The pages, the alerts and the log lines about disks all say sizes so.
public enum ByteCount {
    public static func text(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
