import DICOMCore
import DICOMFile
import Deidentify
import Foundation
import SenditIndex
import SenditIntake
import RemoteServices

/// The identify stage: gets the series' replacement identifiers (patient and study codes, date
/// jitter) and stores them as its `seriesIdentifiers` row, with the keyed digest of the patient
/// they were given for.
///
/// Identifiers are cached per study and patient, never per StudyInstanceUID alone: a series
/// reuses a sibling's (same study) only when its patient is the same too, so a study is asked
/// for once per patient and its series agree. A StudyInstanceUID seen with a second patient (a
/// broken modality, a mix-up) merges nothing: the later series is HELD for a person, who may
/// release it (it then gets its own patient's identifiers) or drop it. Every new code is
/// recorded against its original (IdentifierCodes), and a code two originals want fails the
/// job for good. Images stay PROCESSING for the de-identify stage; nothing proceeds without
/// identifiers.
public struct IdentifyStage: StageHandler {
    public let stage = "identify"
    public let inputStatuses: [ImageStatus] = [.new]
    public let workingStatus: ImageStatus = .processing
    public let nextStages = ["deidentify"]
    public let provider: any IdentifiersProvider
    public let fields: IdentifiersRequest.Fields
    /// Keys the digests of originals that the index keeps (never the clear IDs): the node's
    /// DEID_KEY, so the digests say nothing without it.
    let hash: KeyedHash
    /// Where held images are counted (by default the process's metrics system).
    public var metrics = PipelineMetrics()
    private let studies = KeyedLock()
    /// What a patient's code stands for when it is not the patient alone (a lookup table that
    /// maps two originals to one research ID: `ProjectIdentifiers.claimedOriginal`); nil: the
    /// patient.
    public var claimedOriginal: (@Sendable (IdentifiersRequest) -> String?)?
    /// Why a patient's images are refused whatever identifiers exist (a project's withdrawal
    /// list: `ProjectIdentifiers.refusal`); nil: none.
    public var refusal: (@Sendable (IdentifiersRequest) -> String?)?
    /// Prefixed to the codes claimed in the index's node-wide table of codes: a project's own
    /// namespace, so one research ID (a lookup table's) can stand in two projects. Empty for
    /// the default project (its claims as before there were projects).
    public var claimNamespace = ""
    /// Where originals indexed before their study was quiet are now (`sendit serve` with
    /// IMPORT_BEFORE_QUIET); nil: paths are read as given.
    public var stagingPaths: StagingPaths?

    public init(provider: any IdentifiersProvider, hash: KeyedHash, fields: IdentifiersRequest.Fields = .init()) {
        self.provider = provider
        self.hash = hash
        self.fields = fields
    }

    public func run(_ job: StageJob) throws {
        let study = try job.database.studyId(ofSeries: job.seriesId)
        try studies.withLock(study ?? -1) { try identify(job) }
    }

    /// A `seriesIdentifiers` row of the study. `patientDigest` nil: given by a sendit before
    /// v5-identity, for a patient not yet known.
    typealias Known = SeriesIdentifiers

    func identify(_ job: StageJob) throws {
        let input = try job.database.identifyInput(seriesId: job.seriesId)
        let (sample, studyUID, rows) = (input.samplePath, input.studyInstanceUID, input.studyIdentifiers)
        // Nothing to identify: the patient is known only from an image.
        guard let sample else { return }
        let request = try self.request(sample)
        // Before identifiers are given or reused: a project's withdrawal list (and a lookup table
        // that refuses unlisted patients) holds for every series, the study's first or not.
        if let why = refusal?(request) { throw StageError.permanent("identify: " + why) }
        let patient = digest("original-patient", request.originalPatientKey)
        try recordSearchKeys(request, job)

        if let own = rows.first(where: { $0.seriesId == job.seriesId }) {
            guard let owner = own.patientDigest else {
                // Given by an earlier sendit, which would have reused it for this series' later
                // images too: adopted for this patient.
                try adopt(own, request: request, database: job.database)
                return
            }
            if owner != patient {
                try hold(job, kind: .series, patient: patient, reason: """
                    identify: the series already has the identifiers of another patient (two patients under one \
                    SeriesInstanceUID); held for a person: `sendit release --drop` drops it (release cannot give it \
                    identifiers of its own; have it sent again under a SeriesInstanceUID of its own)
                    """)
            }
            return
        }

        var siblings = rows
        for i in siblings.indices where siblings[i].patientDigest == nil {
            siblings[i].patientDigest = try verifyLegacy(siblings[i], database: job.database)
        }
        if let same = siblings.first(where: { $0.patientDigest == patient }) {
            try store(job, json: same.json, patient: patient, claims: nil,
                      reason: "identifiers of the study's patient reused (series \(same.seriesId))")
            return
        }
        if !siblings.isEmpty {
            let released = try job.database.identityReleased(seriesId: job.seriesId, patientDigest: patient)
            if !released {
                let unverified = siblings.contains { $0.patientDigest == nil }
                try hold(job, kind: .study, patient: patient, reason: """
                    identify: StudyInstanceUID \(studyUID) \(unverified
                        ? "has identifiers from an earlier sendit whose images cannot be read to tell their patient"
                        : "also holds series of another patient"); held for a person: `sendit release` identifies \
                    it as its own patient (never with the other's identifiers), `--drop` drops it
                    """)
                return
            }
        }

        var response: IdentifiersResponse
        do {
            response = try provider.identifiers(for: request)
        } catch let refusal as RESTIdentifiersProvider.Refusal {
            throw StageError.permanent(refusal.description)
        } catch let refusal as IdentifiersRefusal {
            throw StageError.permanent(refusal.description)
        }
        do {
            try response.validate()
        } catch {
            throw StageError.permanent("identify: \(provider.name): \(error)")
        }
        // A second patient released from under another patient's StudyInstanceUID: its UIDs
        // are remapped in a namespace of its own, so the two never share a research study.
        response.uid_namespace = siblings.isEmpty ? nil : patient
        try store(job, json: response.coded.json(), patient: patient,
                  claims: [IdentifierClaim(.patient, code: claimNamespace + response.entityCode,
                                           original: claimedOriginal?(request).map { digest("research-id", $0) } ?? patient),
                           IdentifierClaim(.study, code: claimNamespace + response.itemCode, original: digest("original-study", request.originalStudyKey))],
                  reason: "identifiers from \(provider.name)")
    }

    /// The request for the series, from one of its images.
    /// The keyed digests a person finds the series by on the web pages: its original patient ID
    /// and accession number (ENTITY_ID and ITEM_ID), never kept in clear.
    func recordSearchKeys(_ request: IdentifiersRequest, _ job: StageJob) throws {
        let entity = request.identifiers.first
        try job.database.recordSearchKeys(seriesId: job.seriesId, patient: entity.flatMap { Self.searchDigest(hash, $0.id) },
                                          study: entity?.items.first.flatMap { Self.searchDigest(hash, $0.id) })
    }

    /// The digest a searched value is matched by (nil for an empty value); the web's search
    /// computes the same from what a person types.
    public static func searchDigest(_ hash: KeyedHash, _ value: String) -> String? {
        let value = value.trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : digest(hash, "search-value", value)
    }

    /// An original's header, read where its file is now (its staging folder may have been
    /// finished since its path was handed out).
    func read(_ path: String) throws -> Part10File {
        guard let stagingPaths else { return try Part10File.read(path: path, options: .headerOnly) }
        return try stagingPaths.reading(path) { try Part10File.read(path: $0, options: .headerOnly) }
    }

    func request(_ path: String) throws -> IdentifiersRequest {
        let header: Part10File
        do {
            header = try read(path)
        } catch {
            throw StageError.permanent("identify: cannot read \(path): \(error)")
        }
        let request = IdentifiersRequest(dataSet: header.dataSet, fields: fields)
        if request.hasUndecodableID {
            throw StageError.permanent("""
                identify: \(path): the patient's ID, its issuer or the accession is not valid in the image's character \
                set, so patients or studies could not be told apart
                """)
        }
        return request
    }

    /// A keyed digest of an original key, in hex.
    func digest(_ domain: String, _ key: String) -> String {
        IdentifyStage.digest(hash, domain, key)
    }

    static func digest(_ hash: KeyedHash, _ domain: String, _ key: String) -> String {
        hash.digest(domain, key).map { String(format: "%02x", $0) }.joined()
    }

    /// The keyed digest of an image's patient, as `seriesIdentifiers.patientDigest` records it:
    /// the de-identify stage checks every image against its series' (one image was asked).
    public var patientOfImage: @Sendable (DataSet) -> String {
        { [hash, fields] ds in IdentifyStage.digest(hash, "original-patient", IdentifiersRequest(dataSet: ds, fields: fields).originalPatientKey) }
    }

    /// Stores the series' identifiers, recording new codes against their originals first (a
    /// refused code fails the job for good, and nothing is stored).
    func store(_ job: StageJob, json: String, patient: String, claims: [IdentifierClaim]?, reason: String) throws {
        do {
            try job.database.storeIdentifiers(seriesId: job.seriesId, json: json, patientDigest: patient, claims: claims ?? [],
                                              reason: reason)
        } catch let refusal as IdentifierCodes.Refusal {
            throw StageError.permanent("identify: \(provider.name): \(refusal)")
        }
    }

    /// Holds the series' PROCESSING images for a person, recording the patient they are of.
    func hold(_ job: StageJob, kind: IdentityHold.Kind, patient: String, reason: String) throws {
        metrics.heldForIdentity(try job.database.holdForIdentity(seriesId: job.seriesId, kind: kind, patientDigest: patient,
                                                                 reason: reason))
    }

    /// Records the patient of identifiers an earlier sendit gave (a row without a digest), and
    /// their codes against their originals.
    func adopt(_ row: Known, request: IdentifiersRequest, database: any IndexStore) throws {
        let patient = digest("original-patient", request.originalPatientKey)
        let codes = try? IdentifiersResponse.decode(Data(row.json.utf8))
        let claims = codes.map {
            [IdentifierClaim(.patient, code: $0.entityCode, original: patient),
             IdentifierClaim(.study, code: $0.itemCode, original: digest("original-study", request.originalStudyKey))]
        } ?? []
        do {
            try database.adoptIdentifiers(seriesId: row.seriesId, patientDigest: patient, claims: claims)
        } catch let refusal as IdentifierCodes.Refusal {
            throw StageError.permanent("identify: identifiers of series \(row.seriesId), given by an earlier sendit: \(refusal)")
        }
    }

    /// The patient of a sibling's identifiers given by an earlier sendit, read from one of that
    /// series' images (and recorded); nil if none can be read.
    func verifyLegacy(_ row: Known, database: any IndexStore) throws -> String? {
        let paths = try database.imagePaths(seriesId: row.seriesId, limit: 3)
        for path in paths {
            guard let header = try? read(path) else { continue }
            let request = IdentifiersRequest(dataSet: header.dataSet, fields: fields)
            if request.hasUndecodableID { return nil }
            try adopt(row, request: request, database: database)
            return digest("original-patient", request.originalPatientKey)
        }
        return nil
    }
}
