import ArgumentParser
import Foundation
import Pipeline
import SenditIntake

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import finished folders into the index by hand (what `sendit serve` does for the data folder).",
        discussion: """
            Reads every file's header (recursively; hidden files are left alone), records its
            study, series and image in DATABASE with status NEW, and queues each series with new
            images for the pipeline (a running `sendit serve` picks the jobs up). A re-sent
            instance is recognised by its SOPInstanceUID: the same bytes are ignored; different
            bytes replace the earlier copy, and an event says so. Files that are not DICOM,
            are truncated, or lack StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID are
            moved to QUARANTINE_FOLDER with a row saying why. Files keep their paths: import
            moves nothing else. Safe to run again on the same folder. The data folder itself,
            .incoming and unfinished (*.tmp*) folders are refused.
            Exit status: 0 if every folder was imported, 1 if a folder could not be, 3 if files
            were quarantined.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Argument(help: "Folders to import.")
    var folders: [String]

    @Flag(name: .long, help: "Print one JSON object per folder.")
    var json = false

    func run() throws {
        let node = try configurationOptions.resolve()
        let pipeline = try PipelineWiring(node)
        let data = node.dataFolder
        var failed = false, quarantined = false
        for folder in folders {
            // A symbolic link to a folder imports the folder it names.
            let path = URL(fileURLWithPath: PipelineConfiguration.absolute(folder)).resolvingSymlinksInPath().path
            let started = Date()
            do {
                try ImportCommand.check(path, dataFolder: data)
                var importer = pipeline.importer
                importer.settle = 0
                let r = try importer.importFolder(path)
                let seconds = Date().timeIntervalSince(started)
                quarantined = quarantined || r.quarantined > 0
                if json {
                    let object: [String: Any] = ["folder": path, "added": r.added, "replaced": r.replaced, "duplicates": r.duplicates,
                                                 "quarantined": r.quarantined, "series": r.series, "hidden_ignored": r.hiddenIgnored,
                                                 "problems": r.problems, "left_in_place": r.leftInPlace,
                                                 "seconds": (seconds * 1000).rounded() / 1000]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    for problem in r.problems { StandardOutput.error("sendit import: \(problem)\n") }
                    for problem in r.leftInPlace { StandardOutput.error("sendit import: quarantined but left in place: \(problem)\n") }
                    print("\(path): \(r.added) added, \(r.replaced) replaced, \(r.duplicates) duplicates, \(r.quarantined) quarantined, \(r.series) series queued"
                          + (r.hiddenIgnored > 0 ? ", \(r.hiddenIgnored) hidden entries left alone" : "")
                          + String(format: " (%.3f s)", seconds))
                }
            } catch {
                StandardOutput.error("sendit import: \(path): \(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
        if quarantined { throw ExitCode(3) }
    }

    /// Refuses what is not a finished folder: the data folder itself, anything in `.incoming`,
    /// a staging or unfinished folder (`*.tmp*`), a hidden one. Importing those would record
    /// paths that the receiver or the stable-age rename is about to change.
    static func check(_ path: String, dataFolder: String) throws {
        if path == dataFolder {
            throw ValidationError("\(path) is the data folder itself: name the finished folders in it (sendit serve imports them)")
        }
        for component in path.split(separator: "/") {
            let name = String(component)
            if name.hasPrefix(".") {
                throw ValidationError("\(path) is inside a hidden folder (\(name)), not a finished folder")
            }
            if name.contains("."), !FolderContract.isFinished(name: name) {
                throw ValidationError("\(path) is inside an unfinished folder (\(name): its extension starts with tmp)")
            }
        }
        guard FileIdentity(path: path)?.isDirectory == true else {
            throw ValidationError("\(path) is not a folder")
        }
    }
}
