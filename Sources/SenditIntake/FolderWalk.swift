#if canImport(Glibc)
import Glibc
#endif

/// The files under a folder, recursively, without following symbolic links. Hidden entries (a
/// name starting with ".", such as an rsync temporary file or `.DS_Store`) are counted and left
/// alone. Anything that is neither a folder nor a regular file (a link, a device) is listed
/// apart. Whatever cannot be read (a folder without permission, a name that is not UTF-8, a
/// failing disk) is listed in `problems`, never skipped in silence.
public struct FolderWalk {
    var files: [(path: String, identity: FileIdentity)] = []
    public internal(set) var others: [String] = []
    public internal(set) var hidden = 0
    public internal(set) var problems: [String] = []

    public init(_ folder: String) {
        walk(folder)
    }

    /// The regular files' paths, in name order.
    public var paths: [String] { files.map(\.path) }

    private mutating func walk(_ folder: String) {
        guard let dir = opendir(folder) else {
            problems.append("cannot list \(folder): \(String(cString: strerror(errno)))")
            return
        }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { problems.append("cannot list all of \(folder): \(String(cString: strerror(errno)))") }
                break
            }
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            if bytes.first == 0x2E {
                hidden += 1
                continue
            }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                let shown = bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
                problems.append("a name that is not UTF-8 in \(folder): \(shown)")
                continue
            }
            names.append(name)
        }
        for name in names.sorted() {
            let path = folder + "/" + name
            guard let identity = FileIdentity(path: path) else {
                problems.append("cannot stat \(path): \(String(cString: strerror(errno)))")
                continue
            }
            if identity.isDirectory {
                walk(path)
            } else if identity.isRegularFile {
                files.append((path, identity))
            } else {
                others.append(path)
            }
        }
    }
}
