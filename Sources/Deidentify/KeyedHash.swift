import Crypto
import Foundation

/// HMAC-SHA256 under the node's secret key, with a domain label per use so that the codes of
/// one use (UIDs, patients, studies, jitter) say nothing about another's.
public struct KeyedHash: Sendable {
    private let key: [UInt8]

    public init(key: [UInt8]) {
        precondition(key.count >= 16, "a key of at least 128 bits")
        self.key = key
    }

    public func digest(_ domain: String, _ value: String) -> [UInt8] {
        var message = Array(domain.utf8)
        message.append(0)
        message.append(contentsOf: value.utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// A key of its own for `purpose` (a project), derived from this one: HMAC-SHA256 of the
    /// purpose under this key. Digests under the two keys are unrelated.
    public func derived(for purpose: String) -> KeyedHash {
        KeyedHash(key: digest("derived key", purpose))
    }

    /// A fresh random key for a secrets file.
    public static func newKey() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }
}
