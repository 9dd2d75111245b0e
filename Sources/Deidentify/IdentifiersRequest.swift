import DICOMCore

/// What the identifiers service is asked for one series (the seed system's DASHER contract):
/// the patient (entity) and the study (item), each with a source, an identifier and a date.
public struct IdentifiersRequest: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var id_source: String
        public var id: String
        public var id_timestamp: String
    }

    public struct Identifier: Codable, Sendable, Equatable {
        public var id_source: String
        public var id: String
        public var id_timestamp: String
        public var items: [Item]
    }

    public var identifiers: [Identifier]

    /// Which header fields feed the request, and the sources' names (the seed's ENTITY_ID and
    /// ITEM_ID settings).
    public struct Fields: Sendable, Equatable {
        public var entitySource = "Stanford MRN"
        public var entityField = Tag.patientID
        public var itemSource = "DCM Accession #"
        public var itemField = Tag.accessionNumber
        public init() {}
    }

    /// The request for the series `dataSet` belongs to. An empty entity or item identifier is
    /// replaced by the StudyInstanceUID ("study:<uid>"), so that patients without an ID are
    /// never merged into one.
    public init(dataSet: DataSet, fields: Fields = Fields()) {
        let study = dataSet.string(.studyInstanceUID) ?? ""
        var entity = (dataSet.string(fields.entityField) ?? "").replacingOccurrences(of: "-", with: "")
        if entity.isEmpty { entity = "study:" + study }
        var item = dataSet.string(fields.itemField) ?? ""
        if item.isEmpty { item = "study:" + study }
        let studyDate = [Tag.studyDate, .seriesDate, .contentDate, .acquisitionDate]
            .lazy.compactMap { dataSet.string($0) }.first { !$0.isEmpty }
        identifiers = [Identifier(id_source: fields.entitySource, id: entity,
                                  id_timestamp: IdentifiersRequest.timestamp(dataSet.string(.patientBirthDate)),
                                  items: [Item(id_source: fields.itemSource, id: item,
                                               id_timestamp: IdentifiersRequest.timestamp(studyDate))])]
    }

    /// A DA value as "YYYY-MM-DDT00:00:00Z"; "" if absent or not a date.
    public static func timestamp(_ da: String?) -> String {
        guard let da, let date = DICOMDate(da) else { return "" }
        return IdentifiersRequest.timestamp(date)
    }

    public static func timestamp(_ date: DICOMDate) -> String {
        let s = date.description
        return "\(s.prefix(4))-\(s.dropFirst(4).prefix(2))-\(s.suffix(2))T00:00:00Z"
    }
}
