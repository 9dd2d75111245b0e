import Crypto
import Foundation
import HummingbirdBcrypt

/// The few cryptographic steps of the web app, all from vetted libraries: random secrets,
/// SHA-256 digests of high-entropy secrets (session ids, API tokens), bcrypt for passwords.
public enum Secrets {
    /// bcrypt's cost: 2^12 rounds, about a quarter of a second per check on this kind of
    /// machine, so a stolen database is slow to attack.
    public static let bcryptCost: UInt8 = 12
    /// bcrypt reads at most 72 bytes of a password; longer ones are refused rather than cut.
    public static let maxPasswordBytes = 72

    /// 32 random bytes from the system's generator, as base64url without padding.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether `value` has the shape of `random()`'s output: 43 base64url characters.
    public static func looksRandom(_ value: String) -> Bool {
        value.utf8.count == 43 && value.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }

    /// Lowercase hex SHA-256: what the index stores of a session id or an API token.
    public static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public enum PasswordProblem: Error, CustomStringConvertible {
        case tooShort, tooLong
        public var description: String {
            switch self {
            case .tooShort: "a password needs at least 10 characters"
            case .tooLong: "a password may have at most \(Secrets.maxPasswordBytes) bytes (bcrypt reads no more)"
            }
        }
    }

    public static func hashPassword(_ password: String) throws -> String {
        guard password.count >= 10 else { throw PasswordProblem.tooShort }
        guard password.utf8.count <= maxPasswordBytes else { throw PasswordProblem.tooLong }
        return Bcrypt.hash(password, cost: bcryptCost)
    }

    public static func verifyPassword(_ password: String, hash: String) -> Bool {
        guard password.utf8.count <= maxPasswordBytes else { return false }
        return Bcrypt.verify(password, hash: hash)
    }

    /// Compares two secrets in time that depends only on their lengths.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
