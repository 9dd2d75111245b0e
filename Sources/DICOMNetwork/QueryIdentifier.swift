import DICOMCore
import DICOMFile

/// The Identifier of a C-FIND, C-MOVE or C-GET (PS3.4 C.4): a data set in the presentation
/// context's transfer syntax, without File Meta Information. A response's identifier must parse
/// completely: one cut short or with an element overrunning it is refused, not half-read.
public enum QueryIdentifier {
    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    public static func encode(_ identifier: DataSet, _ ts: TransferSyntax) throws -> [UInt8] {
        try DataSetEncoder(explicitVR: ts.isExplicitVR).encode(identifier)
    }

    public static func decode(_ bytes: [UInt8], _ ts: TransferSyntax) throws -> DataSet {
        guard !bytes.isEmpty else { throw Malformed(message: "an empty identifier") }
        let file: Part10File
        do {
            file = try Part10File.readDataSet(bytes: bytes, transferSyntax: ts)
        } catch {
            throw Malformed(message: "\(error)")
        }
        if let problem = file.warnings.first(where: \.isTruncation) { throw Malformed(message: problem.message) }
        return file.dataSet
    }
}
