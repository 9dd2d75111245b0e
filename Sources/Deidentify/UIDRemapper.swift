/// Replaces a UID with a keyed deterministic one: `2.25.<decimal>`, the decimal being the first
/// 128 bits of HMAC-SHA256(key, uid) (PS3.5 B.2 form, at most 44 characters). The same UID maps
/// to the same new UID in every series, study and run under one key; without the key the
/// original cannot be recovered or tested for.
public struct UIDRemapper: Sendable {
    let hash: KeyedHash
    /// A namespace of its own (see IdentifiersResponse.uid_namespace): the same UID maps to
    /// another new UID in it; nil for the node's usual mapping.
    public let namespace: String?

    public init(hash: KeyedHash, namespace: String? = nil) {
        self.hash = hash
        self.namespace = namespace
    }

    /// The same remapper in another namespace (nil: the usual one).
    public func inNamespace(_ namespace: String?) -> UIDRemapper {
        UIDRemapper(hash: hash, namespace: namespace)
    }

    public func remap(_ uid: String) -> String {
        let d = namespace.map { hash.digest("uid-in-namespace", $0 + "\u{0}" + uid) } ?? hash.digest("uid", uid)
        var value: UInt128 = 0
        for b in d.prefix(16) { value = value << 8 | UInt128(b) }
        return "2.25." + String(value)
    }
}
