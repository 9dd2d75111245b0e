#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The body of a STOW-RS request (PS3.18 §10.5.1): `multipart/related; type="application/dicom"`,
/// one part per Part 10 file, each `Content-Type: application/dicom`. It is written to a file,
/// one instance at a time, so a batch of a series is never held in memory; libcurl then uploads
/// the file. The boundary is random and checked against each instance's bytes (a file that
/// happens to contain it makes a new boundary and a new body).
public struct STOWBody: Sendable {
    public let boundary: String
    /// The bytes written.
    public let size: Int64

    /// The request's `Content-Type`.
    public var contentType: String { Self.contentType(boundary: boundary) }

    public static func contentType(boundary: String) -> String {
        "multipart/related; type=\"application/dicom\"; boundary=\(boundary)"
    }

    /// What comes before each part's bytes.
    static func partHeader(boundary: String) -> Data {
        Data("--\(boundary)\r\nContent-Type: application/dicom\r\n\r\n".utf8)
    }

    /// After each part's bytes: the CRLF that begins the next delimiter (RFC 2046 §5.1.1).
    static let partEnd = Data("\r\n".utf8)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes the body of `paths` (in order) to `destination` (created or truncated), with a
    /// boundary from `makeBoundary`. Throws `Failure` if a file cannot be read or the body not
    /// written.
    public static func write(paths: [String], to destination: String,
                             makeBoundary: () -> String = { "sendit-stow-" + UUID().uuidString }) throws -> STOWBody {
        for _ in 0..<8 {
            let boundary = makeBoundary()
            if let size = try attempt(paths: paths, to: destination, boundary: boundary) {
                return STOWBody(boundary: boundary, size: size)
            }
        }
        throw Failure(description: "no boundary absent from the instances was found in 8 tries")
    }

    /// One try; nil when a file contains the boundary.
    private static func attempt(paths: [String], to destination: String, boundary: String) throws -> Int64? {
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let out = FileHandle(forWritingAtPath: destination) else {
            throw Failure(description: "cannot create the request body \(destination): \(String(cString: strerror(errno)))")
        }
        defer { try? out.close() }
        let marker = Data("--\(boundary)".utf8)
        var size: Int64 = 0
        do {
            for path in paths {
                let bytes: Data
                do {
                    bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                } catch {
                    throw Failure(description: "cannot read \(path): \(error.localizedDescription)")
                }
                if bytes.range(of: marker) != nil { return nil }
                for piece in [partHeader(boundary: boundary), bytes, partEnd] {
                    try out.write(contentsOf: piece)
                    size += Int64(piece.count)
                }
            }
            // The last part's CRLF and this make the close-delimiter.
            let end = Data("--\(boundary)--\r\n".utf8)
            try out.write(contentsOf: end)
            size += Int64(end.count)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "cannot write the request body \(destination): \(error.localizedDescription)")
        }
        return size
    }
}
