import DICOMCore

/// What the identifiers service is asked for one series (the seed system's DASHER contract):
/// the patient (entity) and the study (item), each with a source, an identifier and a date.
///
/// Beside the request sent, it carries the exact originals as keys that are never sent:
/// `patientKey` and `studyKey`. Codes, caches and the index's check that no two originals share
/// a code all use them, so two distinct originals never become one, whatever the service does
/// with the strings it is sent.
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

    /// The patient, exactly: the whole value of the entity field (only the padding PS3.5 calls
    /// insignificant removed, nothing else), with its issuer where the site uses issuers; or,
    /// for a patient without an ID, the StudyInstanceUID. An unambiguous encoding (each part
    /// length-prefixed, a tag for the kind), so no ID, issuer or UID can pose as another.
    /// Not part of the JSON sent.
    public var patientKey = ""
    /// The study of that patient, exactly: the patient's key and the accession (the item
    /// field), or the StudyInstanceUID when there is no accession. Not part of the JSON sent.
    public var studyKey = ""

    enum CodingKeys: String, CodingKey { case identifiers }

    /// Which header fields feed the request, and the sources' names (the seed's ENTITY_ID and
    /// ITEM_ID settings).
    public struct Fields: Sendable, Equatable {
        public var entitySource = "Stanford MRN"
        public var entityField = Tag.patientID
        public var itemSource = "DCM Accession #"
        public var itemField = Tag.accessionNumber
        /// The issuer of the entity's ID (Issuer of Patient ID), for a site that receives from
        /// several ID namespaces; nil (the default) where there is one. With an issuer, the
        /// patient is the issuer and the ID together: `123` from two issuers is two patients.
        public var issuerField: Tag? = nil
        public init() {}
    }

    /// The request for the series `dataSet` belongs to.
    ///
    /// The entity's `id` is the exact ID: no separator or case is normalised away (the seed
    /// removed dashes, which made `AB-123-45` and `AB-12-345` one patient). With an issuer, the
    /// entity's `id_source` is `<entitySource>^<issuer>` (the bare source when the image has no
    /// issuer). An empty entity or item identifier is replaced by "study:<StudyInstanceUID>",
    /// so that patients without an ID are never merged into one; their `patientKey` is of its
    /// own kind, so a real ID that reads "study:…" is still another patient.
    public init(dataSet: DataSet, fields: Fields = Fields()) {
        let study = dataSet.string(.studyInstanceUID) ?? ""
        let id = IdentifiersRequest.exactValue(dataSet, fields.entityField)
        let issuer = fields.issuerField.map { IdentifiersRequest.exactValue(dataSet, $0) } ?? ""
        let accession = IdentifiersRequest.exactValue(dataSet, fields.itemField)
        let studyDate = [Tag.studyDate, .seriesDate, .contentDate, .acquisitionDate]
            .lazy.compactMap { dataSet.string($0) }.first { !$0.isEmpty }
        identifiers = [Identifier(id_source: issuer.isEmpty ? fields.entitySource : fields.entitySource + "^" + issuer,
                                  id: id.isEmpty ? "study:" + study : id,
                                  id_timestamp: IdentifiersRequest.timestamp(dataSet.string(.patientBirthDate)),
                                  items: [Item(id_source: fields.itemSource, id: accession.isEmpty ? "study:" + study : accession,
                                               id_timestamp: IdentifiersRequest.timestamp(studyDate))])]
        patientKey = id.isEmpty
            ? "no-id" + IdentifiersRequest.part(study)
            : "id" + IdentifiersRequest.part(issuer) + IdentifiersRequest.part(id)
        studyKey = patientKey + (accession.isEmpty
            ? "|study" + IdentifiersRequest.part(study)
            : "|accession" + IdentifiersRequest.part(accession))
    }

    /// The whole value of a string attribute, every value of it (a backslash in an ID is kept,
    /// not taken as the end of the ID), with only PS3.5's insignificant padding removed.
    static func exactValue(_ dataSet: DataSet, _ tag: Tag) -> String {
        // Under UTF-8, bytes that are not UTF-8 are read as Latin-1 for display, which a valid
        // value may read as too: not exact, so U+FFFD marks them (hasUndecodableID).
        if dataSet.specificCharacterSet.terms.first == "ISO_IR 192", let bytes = dataSet[tag]?.bytes,
           String(validating: bytes, as: UTF8.self) == nil {
            return String(decoding: bytes, as: UTF8.self)
        }
        return dataSet.strings(tag).joined(separator: "\\")
    }

    /// A length-prefixed part of a key: "<UTF-8 length>:<text>".
    static func part(_ s: String) -> String { "\(s.utf8.count):\(s)" }

    /// The patient key, or, for a request that did not come from a data set (decoded, or built
    /// by hand), one made from the entity's source and ID as sent.
    public var originalPatientKey: String {
        if !patientKey.isEmpty { return patientKey }
        let entity = identifiers.first
        return "sent" + IdentifiersRequest.part(entity?.id_source ?? "") + IdentifiersRequest.part(entity?.id ?? "")
    }

    /// The study key, or one made from what is sent (see `originalPatientKey`).
    public var originalStudyKey: String {
        if !studyKey.isEmpty { return studyKey }
        let item = identifiers.first?.items.first
        return originalPatientKey + "|sent" + IdentifiersRequest.part(item?.id_source ?? "") + IdentifiersRequest.part(item?.id ?? "")
    }

    /// The ID, issuer or accession could not be decoded exactly in the data set's character
    /// set (a byte sequence that is not valid there became U+FFFD): two such values might read
    /// alike, so they cannot tell patients or studies apart.
    public var hasUndecodableID: Bool {
        identifiers.contains { entity in
            ([entity.id, entity.id_source] + entity.items.map(\.id)).contains { $0.contains("\u{FFFD}") }
        }
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
