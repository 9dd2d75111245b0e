import Foundation

/// The index as the rest of sendit reaches it: every read and write a method named for its
/// intent, each one transaction. `IndexDatabase` (SQLite) is the implementation; another (a
/// PostgreSQL index) can stand beside it. Status values are the enums'; what a method takes and
/// returns are values, never a database handle.
public protocol IndexStore: AnyObject, Sendable {
    // MARK: serving

    /// Takes the exclusive lock of a serving node (no other node runs jobs on this index);
    /// fails at once if another holds it.
    func lockForServing() throws
    func unlock()

    // MARK: the job queue (see `JobQueue`, which holds the retry policies)

    func claimNextJob(owner: String, stages: [String], now: Date, queue: JobQueue) throws -> JobRecord?
    func renewJobLease(_ job: JobRecord, owner: String, now: Date, queue: JobQueue) throws
    func completeJob(_ job: JobRecord, owner: String, next: [String], now: Date, queue: JobQueue) throws
    func failJob(_ job: JobRecord, owner: String, error: String, permanent: Bool, now: Date, giveUp: JobQueue.GiveUp,
                 thenQueue: [String], thenQueueReason: String, queue: JobQueue) throws -> JobRecord.State
    func reclaimAbandonedJobs(now: Date, queue: JobQueue) throws -> Int
    func retryFailedJobs(seriesIds: [Int64]?, now: Date, queue: JobQueue) throws -> Int
    func takeImages(for job: JobRecord, from: [ImageStatus], to: ImageStatus, now: Date) throws -> Int
    func enqueueBacklog(destinations: [SendDestination], seriesIds: [Int64]?, reason: String, now: Date, queue: JobQueue) throws -> Int
    func retryFailedImages(seriesIds: [Int64]?, stages: [(status: ImageStatus, stage: String)], destinations: [SendDestination],
                           now: Date, queue: JobQueue) throws -> Int
    /// Queues `stages` for a series now; returns whether a job was added.
    func enqueue(seriesId: Int64, stages: [String], maxAttempts: (String) -> Int, reason: String, now: Date) throws -> Bool
    func seriesIds(instanceUIDs: [String], project: String?) throws -> [String: [Int64]]
    func project(ofSeries seriesId: Int64) throws -> String?

    // MARK: import and quarantine

    func importedCopies(of instances: [InstanceKey]) throws -> [InstanceKey: (path: String, size: Int64)]
    func recordImport(_ entries: [ImportEntry], placement: QuarantinePlacement, sameDataSet: (String, ImportedImage) -> Bool,
                      firstStage: String?, maxAttempts: Int, queueing: Set<Int64>, reason: String, now: Date) throws -> ImportCounts
    func recordImport(_ entries: [ImportEntry], placement: QuarantinePlacement, sameDataSet: (String, ImportedImage) -> Bool,
                      firstStage: String?, maxAttempts: Int, queueing: Set<Int64>, reason: String, importing: String?,
                      now: Date) throws -> ImportCounts
    func recordImportedFolder(_ folder: ImportedFolderRecord, reason: String) throws
    /// `recordImportedFolder`, and the folder's staged images are staged no longer: each of
    /// their series gets `firstStage` (which now may verify it, make its volume, clean it up).
    /// Returns how many series were released.
    @discardableResult
    func recordImportedFolder(_ folder: ImportedFolderRecord, reason: String, releasingStaged firstStage: String?,
                              maxAttempts: Int) throws -> Int
    func recordStagingRename(from: String, to: String, now: Date) throws
    @discardableResult
    func finishStagingRename(from: String, to: String, now: Date) throws -> Int
    func stagingRenames() throws -> [(from: String, to: String)]
    func dropStagingRename(from: String) throws
    @discardableResult
    func abandonStagingFolder(_ folder: String, now: Date) throws -> Int
    func stagedImageCount() throws -> Int
    func importedFolders(paths: [String]) throws -> [String: ImportedFolderRecord]
    func pendingQuarantineMoves() throws -> [QuarantineRecord]
    func finishQuarantineMove(id: Int64?, movedTo: String, reason: String) throws

    // MARK: identify

    func studyId(ofSeries seriesId: Int64) throws -> Int64?
    func identifyInput(seriesId: Int64) throws -> IdentifyInput
    func identityReleased(seriesId: Int64, patientDigest: String) throws -> Bool
    func storeIdentifiers(seriesId: Int64, json: String, patientDigest: String, claims: [IdentifierClaim], reason: String,
                          now: Date) throws
    /// Returns the number of images held.
    @discardableResult
    func holdForIdentity(seriesId: Int64, kind: IdentityHold.Kind, patientDigest: String, reason: String, now: Date) throws -> Int
    func adoptIdentifiers(seriesId: Int64, patientDigest: String, claims: [IdentifierClaim], now: Date) throws
    func imagePaths(seriesId: Int64, limit: Int) throws -> [String]
    /// Records the keyed digests a person may find the series by (its original patient ID and
    /// accession number, as the identify stage reads them); again is harmless.
    func recordSearchKeys(seriesId: Int64, patient: String?, study: String?) throws

    // MARK: de-identify

    func deidentifyInput(seriesId: Int64) throws -> DeidentifyInput
    func recordDeidentified(_ outcomes: [DeidentifiedOutcome], now: @autoclosure () -> Date) throws

    // MARK: delivery

    func pendingDeliveries(seriesId: Int64, destination: String) throws -> [PendingDelivery]
    /// Moves the series' images on from their delivery records; returns the series' completion
    /// when this call made it DONE.
    @discardableResult
    func advanceDeliveries(seriesId: Int64, destinations: [String], now: Date) throws -> SeriesCompletion?
    /// The same for some of the series' images only (those a send round just recorded): the
    /// others cannot have moved on from it.
    func advanceDeliveries(seriesId: Int64, imageIds: [Int64], destinations: [String], now: Date) throws -> SeriesCompletion?
    func unfinishedImages(seriesId: Int64) throws -> Int
    /// Whether a job of a stage named `stagePrefix`… for another series than `seriesId` is
    /// queued, due now, and claimable (no job of its series and stage running): a send job
    /// waiting for more of its own series leaves the worker to it.
    func otherJobsDue(stagePrefix: String, besides seriesId: Int64, now: Date) throws -> Bool
    func recordDeliveries(_ answers: [(PendingDelivery, DeliveryAnswer)], destination: String, verified: Bool,
                          now: @autoclosure () -> Date) throws
    func sentImages(seriesId: Int64, destination: String) throws -> [SentImage]
    func recordVerification(destination: String, shown: [(imageId: Int64, present: Bool)], now: Date) throws
    func recordDeliveries(imageIds: [Int64], destination: String, state: DeliveryRecord.State, detail: String, bytes: Int64,
                          now: Date) throws
    func volumeInput(seriesId: Int64, destination: String) throws -> (unfinished: Int, images: [VolumeImage])
    func earlierUpload(seriesId: Int64, destination: String) throws -> String?
    func recordCommitmentRequest(transactionUID: String, destination: String, seriesId: Int64, images: Int, now: Date) throws
    func commitmentAnswer(transactionUID: String, seriesId: Int64, destination: String) throws -> CommitmentAnswer?
    func recordCommitmentResult(transactionUID: String, callingAETitle: String, committed: [String],
                                failed: [(sopInstanceUID: String, reason: String)], aeTitles: [String: String],
                                destinations: [String], now: Date) throws -> CommitmentVerdict

    // MARK: clean-up

    func cleanUp(cutoff: Date, limit: Int, skipping: Set<Int64>, project: String?, destinations: [String], reason: String, now: Date,
                 removeFiles: (CleanupCandidate) -> Bool) throws -> CleanupOutcome
    func refreshImportedFolders(_ folders: [(path: String, now: FolderStamp?)]) throws

    // MARK: what a person sees and does

    func summary(limit: Int?) throws -> IndexSummary
    func deliverySummary(destinations: [SendDestination]) throws -> DeliverySummary
    func releaseHeld(uids: [String], project: String?, drop: Bool, reason: String, maxAttempts: Int, now: Date) throws -> HeldImages.Outcome
    /// The jobs (of one series; nil: all), by row id.
    func jobs(seriesId: Int64?) throws -> [JobRecord]
    /// The images (of one series; nil: all), by SOPInstanceUID.
    func images(seriesId: Int64?) throws -> [ImageRecord]
}

/// The same, at the present time.
extension IndexStore {
    @discardableResult
    public func enqueue(seriesId: Int64, stages: [String], maxAttempts: (String) -> Int, reason: String) throws -> Bool {
        try enqueue(seriesId: seriesId, stages: stages, maxAttempts: maxAttempts, reason: reason, now: Date())
    }

    public func storeIdentifiers(seriesId: Int64, json: String, patientDigest: String, claims: [IdentifierClaim], reason: String) throws {
        try storeIdentifiers(seriesId: seriesId, json: json, patientDigest: patientDigest, claims: claims, reason: reason, now: Date())
    }

    @discardableResult
    public func holdForIdentity(seriesId: Int64, kind: IdentityHold.Kind, patientDigest: String, reason: String) throws -> Int {
        try holdForIdentity(seriesId: seriesId, kind: kind, patientDigest: patientDigest, reason: reason, now: Date())
    }

    public func adoptIdentifiers(seriesId: Int64, patientDigest: String, claims: [IdentifierClaim]) throws {
        try adoptIdentifiers(seriesId: seriesId, patientDigest: patientDigest, claims: claims, now: Date())
    }

    public func recordDeidentified(_ outcomes: [DeidentifiedOutcome]) throws {
        try recordDeidentified(outcomes, now: Date())
    }

    @discardableResult
    public func advanceDeliveries(seriesId: Int64, destinations: [String]) throws -> SeriesCompletion? {
        try advanceDeliveries(seriesId: seriesId, destinations: destinations, now: Date())
    }

    @discardableResult
    public func advanceDeliveries(seriesId: Int64, imageIds: [Int64], destinations: [String]) throws -> SeriesCompletion? {
        try advanceDeliveries(seriesId: seriesId, imageIds: imageIds, destinations: destinations, now: Date())
    }

    public func recordDeliveries(_ answers: [(PendingDelivery, DeliveryAnswer)], destination: String, verified: Bool) throws {
        try recordDeliveries(answers, destination: destination, verified: verified, now: Date())
    }

    public func recordVerification(destination: String, shown: [(imageId: Int64, present: Bool)]) throws {
        try recordVerification(destination: destination, shown: shown, now: Date())
    }

    public func recordDeliveries(imageIds: [Int64], destination: String, state: DeliveryRecord.State, detail: String,
                                 bytes: Int64) throws {
        try recordDeliveries(imageIds: imageIds, destination: destination, state: state, detail: detail, bytes: bytes, now: Date())
    }

    public func recordCommitmentRequest(transactionUID: String, destination: String, seriesId: Int64, images: Int) throws {
        try recordCommitmentRequest(transactionUID: transactionUID, destination: destination, seriesId: seriesId, images: images,
                                    now: Date())
    }
}
