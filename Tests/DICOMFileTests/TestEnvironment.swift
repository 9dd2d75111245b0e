import Foundation
import TestSupport

/// Where the test peers are: the Python venv that scripts/test builds (pydicom, pynetdicom) and
/// the dcmtk and dicom3tools commands (TestSupport's ExternalTools). A test that needs a missing
/// peer fails and says how to get it; it is never skipped silently.
enum TestEnvironment {
    static var packageRoot: URL { ExternalTools.packageRoot }
    static var python: String? { try? ExternalTools.python() }
    static func tool(_ name: String) -> String? { try? ExternalTools.tool(name) }
    static let missingPeers = "run scripts/test (it installs dcmtk, dicom3tools and a venv with pydicom)"

    typealias RunResult = ExternalTools.Output

    /// Runs a program to its end, whatever its status.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> RunResult {
        try ExternalTools.launch(executable, arguments)
    }

    static func temporaryDirectory(_ name: String) throws -> URL { try ExternalTools.temporaryDirectory(name) }
}
