import ArgumentParser
import DICOMNetwork
import DICOMUpperLayer
import Foundation

struct EchoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Check that a DICOM peer answers: C-ECHO, like echoscu.",
        discussion: "Exit status 0 if the peer answered Success, 1 otherwise (with the reason on stderr).")

    @Option(name: .long, help: "Calling AE title (this side).") var aet = "SENDIT"
    @Option(name: .long, help: "Called AE title (the peer).") var aec = "ANY-SCP"
    @Option(name: .long, help: "Seconds to wait for the connection and each answer.") var timeout: Double = 15
    @OptionGroup var tls: TLSOptions
    @Argument(help: "Peer host name or address.") var host: String
    @Argument(help: "Peer TCP port.") var port: Int

    func run() throws {
        let start = Date()
        var p = RequestorAssociation.Parameters(
            host: host, port: port, callingAETitle: aet, calledAETitle: aec,
            presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: "1.2.840.10008.1.1",
                                                         transferSyntaxes: ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"])])
        p.connectTimeout = timeout
        p.artimTimeout = timeout
        p.dimseTimeout = timeout
        p.tls = try tls.store()
        do {
            let association = try RequestorAssociation(p)
            let status = try association.echo()
            try association.release()
            let ms = Int(Date().timeIntervalSince(start) * 1000)
            print("C-ECHO \(host):\(port) (\(aec))\(p.tls == nil ? "" : " over TLS"): \(status) in \(ms) ms")
            if !status.isSuccess { throw ExitCode(1) }
        } catch let failure as RequestorAssociation.Failure {
            FileHandle.standardError.write(Data("sendit echo: \(host):\(port) (\(aec)): \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}
