import ArgumentParser
import DICOMNetwork
import Dispatch
import Foundation
import Logging

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the node: a DICOM Storage SCP that stages received studies in the data folder.",
        discussion: """
            Accepts Verification and every Storage SOP class. Each instance is streamed to
            DATA_FOLDER/.incoming/*.part, fsynced, and renamed into
            DATA_FOLDER/<StudyInstanceUID>.tmp<suffix>/<SOPInstanceUID>.dcm before the C-STORE
            response reports Success. Logs go to stderr, one line per event. SIGTERM or SIGINT
            stops accepting, lets associations finish for SHUTDOWN_GRACE seconds, then aborts them.
            Settings: `sendit config check` lists them with their defaults.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "TCP port (overrides DICOM_PORT).")
    var port: Int?

    @Option(name: .long, help: "AE title (overrides DICOM_AE_TITLE).")
    var aet: String?

    @Option(name: .long, help: "Data folder (overrides DATA_FOLDER).")
    var data: String?

    func run() throws {
        var settings = try configurationOptions.load()
        settings.override("DICOM_PORT", port.map(String.init))
        settings.override("DICOM_AE_TITLE", aet)
        settings.override("DATA_FOLDER", data)
        let configuration = try settings.server()
        let logger = try makeLogger(settings)
        let server: DICOMServer
        do {
            server = try DICOMServer(configuration: configuration, logger: logger)
            try server.start()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
        let stopped = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                server.stop()
                stopped.signal()
            }
            source.resume()
            sources.append(source)
        }
        stopped.wait()
        withExtendedLifetime(sources) {}
    }
}

func makeLogger(_ settings: SenditConfiguration) throws -> Logger {
    guard let level = Logger.Level(rawValue: settings.string("LOG_LEVEL").lowercased()) else {
        throw SenditConfiguration.ConfigurationError(message: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
    }
    return Logger(label: "sendit") { LogfmtHandler(label: $0, level: level) }
}
