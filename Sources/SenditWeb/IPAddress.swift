import Foundation

/// An IPv4 or IPv6 address as its bytes (4 or 16), parsed by the system's `inet_pton`; an
/// IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a dual-stack socket names an IPv4 peer) is
/// the IPv4 address it maps.
struct IPAddress: Sendable, Hashable {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            let all = withUnsafeBytes(of: &v6) { Array($0) }
            bytes = all.prefix(10).allSatisfy { $0 == 0 } && all[10] == 0xFF && all[11] == 0xFF ? Array(all.suffix(4)) : all
        } else {
            return nil
        }
    }
}
