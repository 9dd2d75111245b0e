import DICOMCore

/// A DIMSE command set (PS3.7 6.3, Annex E): group 0000 elements, always encoded in Implicit VR
/// Little Endian, led by Command Group Length (0000,0000).
public struct CommandSet: Equatable, Sendable {
    /// Elements by tag, ascending; values little endian, strings padded to even length.
    public private(set) var elements: [(tag: UInt32, value: [UInt8])] = []

    public init() {}

    public static func == (a: CommandSet, b: CommandSet) -> Bool {
        a.elements.count == b.elements.count && zip(a.elements, b.elements).allSatisfy { $0.tag == $1.tag && $0.value == $1.value }
    }

    public subscript(tag: UInt32) -> [UInt8]? {
        elements.first { $0.tag == tag }?.value
    }

    public mutating func set(_ tag: UInt32, bytes: [UInt8]) {
        if let i = elements.firstIndex(where: { $0.tag == tag }) {
            elements[i].value = bytes
        } else {
            elements.append((tag, bytes))
            elements.sort { $0.tag < $1.tag }
        }
    }

    public mutating func set(_ tag: UInt32, us value: UInt16) {
        set(tag, bytes: [UInt8(value & 0xFF), UInt8(value >> 8)])
    }

    /// UI values are padded with NUL, AE and other strings with a space (PS3.5 6.2).
    public mutating func set(_ tag: UInt32, string: String, padding: UInt8 = 0x00) {
        var b = Array(string.utf8)
        if b.count % 2 == 1 { b.append(padding) }
        set(tag, bytes: b)
    }

    public func us(_ tag: UInt32) -> UInt16? {
        guard let b = self[tag], b.count >= 2 else { return nil }
        return UInt16(b[0]) | UInt16(b[1]) << 8
    }

    /// A string value with trailing NUL and space padding removed (and leading spaces).
    public func string(_ tag: UInt32) -> String? {
        guard let b = self[tag] else { return nil }
        var s = b[...]
        while let l = s.last, l == 0 || l == 0x20 { s = s.dropLast() }
        while let f = s.first, f == 0x20 { s = s.dropFirst() }
        return String(decoding: s, as: UTF8.self)
    }

    /// Encodes with a correct Command Group Length first.
    public func encode() -> [UInt8] {
        var body: [UInt8] = []
        for e in elements where e.tag != 0x0000_0000 {
            CommandSet.header(&body, e.tag, UInt32(e.value.count))
            body += e.value
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 12)
        CommandSet.header(&out, 0x0000_0000, 4)
        let n = UInt32(body.count)
        out += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        return out + body
    }

    static func header(_ out: inout [UInt8], _ tag: UInt32, _ length: UInt32) {
        out += [UInt8(tag >> 16 & 0xFF), UInt8(tag >> 24), UInt8(tag & 0xFF), UInt8(tag >> 8 & 0xFF)]
        out += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
    }

    public struct DecodeError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { "invalid command set: \(message)" }
    }

    /// Decodes an Implicit VR Little Endian command set. Only group 0000 is allowed.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> CommandSet {
        var cs = CommandSet()
        var i = bytes.startIndex
        while i < bytes.endIndex {
            guard bytes.endIndex - i >= 8 else { throw DecodeError(message: "truncated element header at \(i - bytes.startIndex)") }
            let group = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8
            let element = UInt32(bytes[i + 2]) | UInt32(bytes[i + 3]) << 8
            let length = Int(UInt32(bytes[i + 4]) | UInt32(bytes[i + 5]) << 8 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 24)
            guard group == 0 else { throw DecodeError(message: "element (\(String(group, radix: 16)),\(String(element, radix: 16))) is not in group 0000") }
            guard length <= bytes.endIndex - i - 8 else { throw DecodeError(message: "element (0000,\(String(element, radix: 16))) claims \(length) bytes") }
            cs.elements.append((element, Array(bytes[(i + 8)..<(i + 8 + length)])))
            i += 8 + length
        }
        cs.elements.sort { $0.tag < $1.tag }
        return cs
    }
}

/// Tags of the command fields (PS3.7 E.1-1), named as the generated dictionary names them.
enum CommandTag {
    static let affectedSOPClassUID = Tag.affectedSOPClassUID.rawValue
    static let commandField = Tag.commandField.rawValue
    static let messageID = Tag.messageID.rawValue
    static let messageIDBeingRespondedTo = Tag.messageIDBeingRespondedTo.rawValue
    static let priority = Tag.priority.rawValue
    static let commandDataSetType = Tag.commandDataSetType.rawValue
    static let status = Tag.status.rawValue
    static let affectedSOPInstanceUID = Tag.affectedSOPInstanceUID.rawValue
    static let moveOriginatorAETitle = Tag.moveOriginatorApplicationEntityTitle.rawValue
    static let moveOriginatorMessageID = Tag.moveOriginatorMessageID.rawValue
    static let errorComment = Tag.errorComment.rawValue
    static let requestedSOPClassUID = Tag.requestedSOPClassUID.rawValue
    static let requestedSOPInstanceUID = Tag.requestedSOPInstanceUID.rawValue
    static let actionTypeID = Tag.actionTypeID.rawValue
    static let eventTypeID = Tag.eventTypeID.rawValue
    static let moveDestination = Tag.moveDestination.rawValue
    static let remainingSubOperations = Tag.numberOfRemainingSuboperations.rawValue
    static let completedSubOperations = Tag.numberOfCompletedSuboperations.rawValue
    static let failedSubOperations = Tag.numberOfFailedSuboperations.rawValue
    static let warningSubOperations = Tag.numberOfWarningSuboperations.rawValue
}
