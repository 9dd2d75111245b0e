import DICOMCore
import DICOMFile

/// A file rebuilt pixel data is written to instead of memory, for data sets whose Pixel Data
/// is too large to hold twice. Rebuilt values then refer to it (`.deferred`), and the writer
/// copies them from it as it copies values left in the source file. The caller owns the file:
/// it closes the spool after the rebuild and removes the file once the output is written.
public final class PixelDataSpool {
    public let path: String
    private let sink: FileSink
    private var written: UInt64 = 0

    /// Creates (or truncates) the file, readable by its owner only: it holds image data.
    public init(path: String) throws {
        self.path = path
        sink = try FileSink(path: path, mode: 0o600)
    }

    /// Appends bytes; answers where they start. They are on the file (not in a buffer) when
    /// this returns, so a `BulkDataLocation` reads them back.
    func append(_ bytes: UnsafeRawBufferPointer) throws -> UInt64 {
        let offset = written
        try sink.write(bytes)
        try sink.flush()
        written += UInt64(bytes.count)
        return offset
    }

    /// Closes the file (the data stays readable by path).
    public func close() throws { try sink.close(sync: false) }
}
