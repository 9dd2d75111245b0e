/// A data set: data elements in ascending tag order (PS3.5 7.1). Items of a sequence are data
/// sets too. Lookups are binary searches; appending in tag order is O(1).
public struct DataSet: Sendable {
    public private(set) var elements: [DataElement]
    /// For an item of a sequence: it was encoded with undefined length (ended by an Item
    /// Delimitation Item). The writer keeps the form it was read in.
    public var hasUndefinedLength: Bool

    public init(_ elements: [DataElement] = [], hasUndefinedLength: Bool = true) {
        self.elements = elements.sorted { $0.tag < $1.tag }
        self.hasUndefinedLength = hasUndefinedLength
    }

    /// Elements already in ascending tag order without repeats, as a parser produces them.
    public init(elementsInTagOrder elements: [DataElement], hasUndefinedLength: Bool = true) {
        assert(zip(elements, elements.dropFirst()).allSatisfy { $0.tag < $1.tag }, "elements not in tag order")
        self.elements = elements
        self.hasUndefinedLength = hasUndefinedLength
    }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }
    public var tags: [Tag] { elements.map(\.tag) }

    public subscript(tag: Tag) -> DataElement? {
        get { index(of: tag).map { elements[$0] } }
        set {
            if let newValue {
                precondition(newValue.tag == tag, "element tag does not match subscript")
                set(newValue)
            } else {
                remove(tag)
            }
        }
    }

    public func contains(_ tag: Tag) -> Bool { index(of: tag) != nil }

    /// Inserts the element, or replaces the one with its tag. Returns the element replaced.
    @discardableResult
    public mutating func set(_ element: DataElement) -> DataElement? {
        if let last = elements.last, last.tag < element.tag {
            elements.append(element)
            return nil
        }
        let i = lowerBound(element.tag)
        if i < elements.count && elements[i].tag == element.tag {
            let old = elements[i]
            elements[i] = element
            return old
        }
        elements.insert(element, at: i)
        return nil
    }

    @discardableResult
    public mutating func remove(_ tag: Tag) -> DataElement? {
        guard let i = index(of: tag) else { return nil }
        return elements.remove(at: i)
    }

    /// Removes every element for which `shouldRemove` is true (this level only).
    public mutating func removeAll(where shouldRemove: (DataElement) throws -> Bool) rethrows {
        try elements.removeAll(where: shouldRemove)
    }

    /// Changes every element in place, keeping the order (the closure must not change tags).
    public mutating func updateEach(_ body: (inout DataElement) throws -> Void) rethrows {
        for i in elements.indices {
            let tag = elements[i].tag
            try body(&elements[i])
            precondition(elements[i].tag == tag, "updateEach must not change a tag")
        }
    }

    /// Elements whose tags lie in `range`, e.g. one group.
    public func elements(in range: ClosedRange<Tag>) -> ArraySlice<DataElement> {
        let lo = lowerBound(range.lowerBound)
        var hi = lo
        while hi < elements.count && elements[hi].tag <= range.upperBound { hi += 1 }
        return elements[lo..<hi]
    }

    /// The private creator string that reserves the block of a private data element, e.g.
    /// "SIEMENS CSA HEADER" for (0029,1010).
    public func privateCreator(of tag: Tag) -> String? {
        guard let creatorTag = tag.privateCreatorTag, let creator = self[creatorTag] else { return nil }
        return creator.string(characterSet: specificCharacterSet)
    }

    /// The Specific Character Set (0008,0005) of this data set; the default repertoire if absent.
    /// An item without its own inherits its parent's: callers that walk items pass it down.
    public var specificCharacterSet: SpecificCharacterSet {
        guard let e = self[.specificCharacterSet] else { return .default }
        return SpecificCharacterSet(terms: e.strings(characterSet: .default))
    }

    // MARK: convenience accessors for the common VRs

    /// The first value of a string element, padding removed, decoded with this data set's
    /// character set.
    public func string(_ tag: Tag) -> String? {
        self[tag]?.string(characterSet: specificCharacterSet)
    }

    public func strings(_ tag: Tag) -> [String] {
        self[tag]?.strings(characterSet: specificCharacterSet) ?? []
    }

    public func uid(_ tag: Tag) -> UID? {
        guard let s = self[tag]?.string(characterSet: .default), !s.isEmpty else { return nil }
        return UID(s)
    }

    /// The first value of an integer element (US, SS, UL, SL, SV, UV or IS).
    public func int(_ tag: Tag) -> Int? { self[tag]?.integers.first }

    // MARK: private

    func index(of tag: Tag) -> Int? {
        let i = lowerBound(tag)
        return i < elements.count && elements[i].tag == tag ? i : nil
    }

    func lowerBound(_ tag: Tag) -> Int {
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if elements[mid].tag < tag { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

extension DataSet: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { elements.count }
    public subscript(position: Int) -> DataElement { elements[position] }
}
