import DICOMUpperLayer

/// Reassembles DIMSE messages from presentation data values (PS3.7 6.3.1, PS3.8 Annex E):
/// command fragments are collected (a command set is small), data set fragments are passed
/// on as they arrive so a receiver can write them straight to disk. Pure: PDVs in, events out.
public struct MessageAssembler: Sendable {
    /// Largest command set accepted, protecting memory from a peer that never ends one.
    public static let maximumCommandLength = 64 * 1024

    public enum Event: Sendable {
        /// A complete command with no data set (C-ECHO-RQ, any response).
        case command(DIMSEMessage, contextID: UInt8)
        /// A complete command whose data set follows (C-STORE-RQ).
        case commandWithDataSet(DIMSEMessage, contextID: UInt8)
        /// A fragment of the data set of the last command.
        case dataSetFragment(ArraySlice<UInt8>, isLast: Bool)
    }

    enum Phase: Sendable {
        case idle
        case command(contextID: UInt8, bytes: [UInt8])
        case dataSet(contextID: UInt8)
    }

    var phase: Phase = .idle

    public init() {}

    /// True between a command that announced a data set and the data set's last fragment.
    public var isReceivingDataSet: Bool {
        if case .dataSet = phase { return true }
        return false
    }

    public mutating func receive(_ pdv: PresentationDataValue) throws(DIMSEProtocolError) -> Event? {
        switch phase {
        case .idle:
            guard pdv.isCommand else {
                throw DIMSEProtocolError("data set fragment on context \(pdv.contextID) without a command")
            }
            phase = .command(contextID: pdv.contextID, bytes: [])
            return try receive(pdv)
        case .command(let contextID, var bytes):
            guard pdv.isCommand, pdv.contextID == contextID else {
                throw DIMSEProtocolError("command fragment expected on context \(contextID), got \(pdv.isCommand ? "command" : "data") on \(pdv.contextID)")
            }
            guard bytes.count + pdv.data.count <= MessageAssembler.maximumCommandLength else {
                throw DIMSEProtocolError("command set longer than \(MessageAssembler.maximumCommandLength) bytes")
            }
            bytes += pdv.data
            guard pdv.isLast else {
                phase = .command(contextID: contextID, bytes: bytes)
                return nil
            }
            let message: DIMSEMessage
            do {
                let cs = try CommandSet.decode(bytes[...])
                message = try DIMSEMessage.parse(cs)
                let dataSetType = cs.us(CommandTag.commandDataSetType) ?? CommandDataSetType.null
                if (dataSetType != CommandDataSetType.null) != message.hasDataSet {
                    throw DIMSEProtocolError("\(message) announces \(dataSetType == CommandDataSetType.null ? "no" : "a") data set")
                }
            } catch let e as DIMSEProtocolError {
                throw e
            } catch {
                throw DIMSEProtocolError("\(error)")
            }
            if message.hasDataSet {
                phase = .dataSet(contextID: contextID)
                return .commandWithDataSet(message, contextID: contextID)
            }
            phase = .idle
            return .command(message, contextID: contextID)
        case .dataSet(let contextID):
            guard !pdv.isCommand, pdv.contextID == contextID else {
                throw DIMSEProtocolError("data set fragment expected on context \(contextID), got \(pdv.isCommand ? "command" : "data") on \(pdv.contextID)")
            }
            if pdv.isLast { phase = .idle }
            return .dataSetFragment(pdv.data, isLast: pdv.isLast)
        }
    }
}

/// A peer broke the DIMSE protocol (fragments out of order, an unparsable command): the
/// association is aborted.
public struct DIMSEProtocolError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
