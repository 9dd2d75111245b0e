import ArgumentParser
import DICOMCore
import DICOMFile

struct DumpCommand: ParsableCommand, ManyPathsCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print DICOM files: one line per element, like dcmdump, or the DICOM JSON Model.",
        discussion: """
            Text output shows tag, VR, value, value length, value multiplicity and keyword, with
            sequences and items indented. --json prints the DICOM JSON Model (PS3.18 F.2), one
            object per file and per line. Large values (Pixel Data) are not read unless
            --load-all is given. A file that cannot be read gets one line on stderr naming the
            file, the byte offset and the reason; the exit status is then 1.
            """)

    @Argument(help: "DICOM files (Part 10, or a bare data set, which is recognised with a warning). A path starting with '-' goes after '--'.")
    var paths: [String] = []

    static let optionsTakingValues: Set<String> = []

    @Flag(name: .long, help: "Print the DICOM JSON Model instead of text.")
    var json = false

    @Flag(name: .customLong("stop-before-pixels"), help: "Stop reading at top-level Pixel Data.")
    var stopBeforePixels = false

    @Flag(name: .long, help: "Refuse any deviation from the standard instead of reading past known defects.")
    var strict = false

    @Flag(name: .customLong("load-all"), help: "Read and show values left in the file (Pixel Data and other large values).")
    var loadAll = false

    @Flag(name: .shortAndLong, help: "Print nothing for files that read cleanly; only errors and warnings.")
    var quiet = false

    @Flag(name: .customLong("no-warnings"), help: "Do not print warnings about defects read past.")
    var noWarnings = false

    func run() throws {
        // Paths arrive after parsing (see PathArguments), so an empty list is checked here.
        guard !paths.isEmpty else { throw ValidationError("Missing expected argument '<paths> ...'") }
        let options = ReadOptions(strictness: strict ? .strict : .lenient, stopBeforePixelData: stopBeforePixels)
        var formatter = DumpFormatter()
        formatter.loadDeferredValues = loadAll
        var jsonEncoder = JSONModelEncoder()
        jsonEncoder.inlineDeferredValues = loadAll
        var failures = 0
        for path in paths {
            do {
                let file = try Part10File.read(path: path, options: options)
                if !noWarnings {
                    for w in file.warnings { StandardOutput.error("\(path): warning: \(w)\n") }
                }
                if quiet { continue }
                if json {
                    StandardOutput.write(try jsonEncoder.encode(file.dataSet) + "\n")
                } else {
                    if paths.count > 1 { StandardOutput.write("# File: \(path)\n") }
                    StandardOutput.write { formatter.format(file, into: &$0) }
                    if paths.count > 1 { StandardOutput.write("\n") }
                }
            } catch {
                failures += 1
                StandardOutput.flush()
                StandardOutput.error("sendit dump: \(error)\n")
            }
        }
        StandardOutput.flush()
        if failures > 0 { throw ExitCode(1) }
    }
}
