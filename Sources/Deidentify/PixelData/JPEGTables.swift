/// The table definitions of a JPEG or JPEG-LS frame (DQT, DHT, DAC; LSE mapping tables), and
/// which of them a scan uses. A definition no scan uses before the same table is defined
/// again (or at all) decodes nothing, yet could carry anything: it is left out. Each
/// definition is checked against its layout (T.81 B.2.4, T.87 C.2.4.1) as it is read.
struct JPEGTables {
    enum Key: Hashable {
        case quantization(Int)
        case huffman(tableClass: Int, id: Int)
        case conditioning(tableClass: Int, id: Int)
        case mapping(Int)
    }

    /// One table of a segment: its bytes in the frame, and the definition it belongs to (a
    /// mapping table's continuations belong to the table they continue).
    struct Table {
        let range: Range<Int>
        let definition: Int
    }

    /// The tables of each table segment read, by segment number.
    private(set) var segments: [[Table]] = []
    private var current: [Key: Int] = [:]
    private var used = Set<Int>()
    private var definitions = 0

    /// The tables of segment `i` that a scan uses.
    func usedTables(of i: Int) -> [Table] { segments[i].filter { used.contains($0.definition) } }

    /// A scan uses the definition now in effect for `key`, if there is one.
    mutating func use(_ key: Key) {
        if let d = current[key] { used.insert(d) }
    }

    private mutating func define(_ key: Key) -> Int {
        definitions += 1
        current[key] = definitions
        return definitions
    }

    /// Reads a DQT, DHT, DAC or LSE segment's tables; answers the segment's number, or nil for
    /// an LSE that holds no table (preset coding parameters, oversize dimensions: always kept).
    mutating func read(_ marker: UInt8, _ b: [UInt8], _ content: Range<Int>, refuse: (String) -> PixelDataRefusal) throws -> Int? {
        var tables: [Table] = []
        var q = content.lowerBound
        let end = content.upperBound
        switch marker {
        case 0xDB:   // DQT: precision and destination, 64 elements of 1 or 2 bytes
            guard !content.isEmpty else { throw refuse("quantization table segment is empty") }
            while q < end {
                let precision = Int(b[q] >> 4), id = Int(b[q] & 0x0F)
                let next = q + 1 + 64 * (precision + 1)
                guard precision <= 1, id <= 3, next <= end else { throw refuse("quantization table segment does not match its tables") }
                tables.append(Table(range: q..<next, definition: define(.quantization(id))))
                q = next
            }
        case 0xC4:   // DHT: class and destination, 16 code counts, the values
            guard !content.isEmpty else { throw refuse("Huffman table segment is empty") }
            while q < end {
                guard q + 17 <= end, b[q] >> 4 <= 1, b[q] & 0x0F <= 3 else {
                    throw refuse("Huffman table segment does not match its tables")
                }
                let values = b[(q + 1)...(q + 16)].reduce(0) { $0 + Int($1) }
                let next = q + 17 + values
                guard values <= 256, next <= end else { throw refuse("Huffman table segment does not match its tables") }
                tables.append(Table(range: q..<next, definition: define(.huffman(tableClass: Int(b[q] >> 4), id: Int(b[q] & 0x0F)))))
                q = next
            }
        case 0xCC:   // DAC: class and destination, conditioning value
            guard !content.isEmpty, content.count % 2 == 0 else {
                throw refuse("arithmetic conditioning segment has length \(content.count + 2)")
            }
            while q < end {
                guard b[q] >> 4 <= 1, b[q] & 0x0F <= 3 else { throw refuse("arithmetic conditioning segment does not match its tables") }
                tables.append(Table(range: q..<(q + 2),
                                    definition: define(.conditioning(tableClass: Int(b[q] >> 4), id: Int(b[q] & 0x0F)))))
                q += 2
            }
        case 0xF8:   // LSE, by its ID
            guard !content.isEmpty else { throw refuse("preset parameters segment is empty") }
            let id = b[q], length = content.count + 2
            switch id {
            case 1:
                guard length == 13 else { throw refuse("preset coding parameters have length \(length), not 13") }
                return nil
            case 2, 3:
                guard content.count >= 3 else { throw refuse("mapping table is too short") }
                let table = Int(b[q + 1]), width = Int(b[q + 2])
                guard table >= 1, width >= 1, (content.count - 3) % width == 0 else {
                    throw refuse("mapping table has length \(length), not whole entries of \(width) bytes")
                }
                if id == 2 {
                    tables.append(Table(range: content, definition: define(.mapping(table))))
                } else {
                    guard let d = current[.mapping(table)] else { throw refuse("mapping table continuation without its table") }
                    tables.append(Table(range: content, definition: d))
                }
            case 4:
                guard content.count >= 2, (2...4).contains(Int(b[q + 1])), length == 4 + 2 * Int(b[q + 1]) else {
                    throw refuse("oversize dimensions have length \(length)")
                }
                return nil
            default:
                throw refuse("preset parameters of type \(id) are not rebuilt")
            }
        default:
            preconditionFailure("not a table segment")
        }
        segments.append(tables)
        return segments.count - 1
    }
}
