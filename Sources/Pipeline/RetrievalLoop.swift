import DICOMNetwork
import Foundation
import Logging
import LoopThreads
import SenditIndex
import SenditIntake
import Synchronization

/// Carries out the retrieval jobs in the index (`sendit serve` with RETRIEVE_SOURCES): up to
/// RETRIEVE_MAX_ACTIVE threads, each claiming the next work (a found study before a new item's
/// C-FIND), inside RETRIEVE_WINDOW. An item's C-FIND (Study Root, STUDY level, its key and
/// dates) queues its studies; each study is then moved to this node's AE title (or got into
/// the staging area), its counts and final status recorded. While it is retrieved the study is
/// claimed (`RetrievalClaims`: what arrives goes to the job's project) and the staging area
/// expects its NumberOfStudyRelatedInstances (finished at once when all are in, not at the
/// stable age). While its C-MOVE or C-GET runs, the study's instances are answered before they
/// are synced (`RetrievalDurabilityRule`); when it ends, they are made durable (`syncStudy`)
/// before the index records how it ended, beside the worker's next move (`StudyEnding`). An arrived study is done once its instances are in the index. A kill leaves
/// the work `moving`: the next start asks for it again; what had arrived is recognised (the
/// staging area replaces a same-named instance, the importer records a re-sent one as a
/// duplicate), so nothing is delivered twice.
///
/// Logs name items by id and studies by UID only: a list's values are the requester's.
public final class RetrievalLoop: @unchecked Sendable {
    public struct Settings: Sendable {
        public var sources: [RetrievalSource]
        public var maxActive = 1
        public var window: RetrievalWindow?
        /// This node's AE title: the C-MOVE destination (the archives must know it).
        public var aeTitle: String
        public var decision = RetrievalDecision()
        /// Seconds between looks at an idle queue.
        public var idle: TimeInterval = 1
        public init(sources: [RetrievalSource], aeTitle: String) {
            self.sources = sources
            self.aeTitle = aeTitle
        }
    }

    let store: any RetrievalStore
    public let settings: Settings
    let staging: StagingArea?
    public let registry: RetrievalRegistry
    let peer: any RetrievalPeer
    let logger: Logger
    let now: @Sendable () -> Date
    private let stopSignal = StopSignal()
    private var threads: [LoopThread] = []
    /// The operations running, to cancel at stop.
    private let running = Mutex<[Int: QueryRetrieveSCU.Cancel]>([:])
    public var onLoopEnd: @Sendable ((any Error)?) -> Void = { _ in }
    public var injectedFault: (@Sendable () throws -> Void)?
    /// Makes what a study's retrieval placed unsynced durable (the staging area's
    /// `syncRetrievedStudy`): called when its operation ended, before the index records it.
    public var syncStudy: @Sendable (_ studyUID: String, _ project: String) throws -> Void

    public init(store: any RetrievalStore, settings: Settings, staging: StagingArea?, registry: RetrievalRegistry = RetrievalRegistry(),
                peer: any RetrievalPeer, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.staging = staging
        self.registry = registry
        self.peer = peer
        self.logger = logger
        self.now = now
        syncStudy = { [staging] study, project in try staging?.syncRetrievedStudy(studyInstanceUID: study, project: project) }
    }

    /// At start-up: work a kill cut short is queued again, and the studies moving or arrived are
    /// claimed again.
    public func prepare() throws {
        let requeued = try store.requeueInterruptedRetrievals(now: now())
        if requeued > 0 { logger.notice("retrievals interrupted by a stop will run again", metadata: ["items_and_studies": "\(requeued)"]) }
        for f in try store.retrievalStudiesInFlight() { claim(f.study, project: f.project) }
    }

    public func start() {
        for n in 0..<max(1, settings.maxActive) {
            let thread = LoopThread(name: "retrieve-\(n)")
            threads.append(thread)
            thread.start({ [self] in try loop(worker: n) }, onEnd: { [self] end in onLoopEnd(end) })
        }
    }

    /// Cancels the operations running (C-CANCEL: their studies are asked for again at the next
    /// start) and waits for the threads.
    public func stop() {
        stopSignal.stop()
        running.withLock { for c in $0.values { c.request() } }
        for t in threads { t.waitUntilEnded() }
    }

    private func loop(worker: Int) throws {
        let ending = StudyEnding()
        defer { ending.wait() }
        while !stopSignal.isStopping {
            try injectedFault?()
            if let window = settings.window, !window.isOpen(at: now()) {
                if stopSignal.pause(seconds: 30) { return }
                continue
            }
            do {
                if worker == 0 { try finishArrived() }
                if let work = try store.claimRetrievalWork(sources: settings.sources.map(\.name), now: now()) {
                    try perform(work, worker: worker, ending: ending)
                    continue
                }
            } catch {
                logger.error("retrieval step failed (tried again)", metadata: ["error": "\(error)"])
            }
            if stopSignal.pause(seconds: settings.idle) { return }
        }
    }

    /// One step of work, recorded in the index. `ending`: where a move's end (its sync and
    /// record) is carried out beside the worker's next step; nil: before this returns.
    func perform(_ work: RetrievalWork, worker: Int, ending: StudyEnding? = nil) throws {
        let cancel = QueryRetrieveSCU.Cancel()
        running.withLock { $0[worker] = cancel }
        defer { running.withLock { $0[worker] = nil } }
        switch work {
        case .find(let job, let item):
            guard let source = settings.sources.first(where: { $0.name == job.source }) else { return }
            let result: RetrievalFindResult
            do {
                let (ending, matches) = try peer.find(item, at: source, cancel: cancel)
                result = settings.decision.find(ending, matches: matches, attempts: item.attempts, now: now())
            } catch {
                result = settings.decision.findError("\(error)", attempts: item.attempts, now: now(), paused: RetrievalDecision.pauses(error))
                if RetrievalDecision.pauses(error) { pausedByTLS(source, error) }
            }
            try store.recordRetrievalFind(itemId: item.id, result: result, now: now())
            switch result {
            case .found(let studies): logger.info("retrieval item searched", metadata: ["item": "\(item.id)", "studies": "\(studies.count)"])
            case .failed(let status, let meaning, let again):
                logger.warning("retrieval search failed", metadata: ["item": "\(item.id)", "status": "\(status ?? "-")", "meaning": "\(meaning)",
                                                                     "again": "\(again.map { "\($0)" } ?? "no")"])
            }
        case .move(let job, let item, let study):
            guard let source = settings.sources.first(where: { $0.name == job.source }) else { return }
            claim(study, project: job.project)
            registry.beginRetrieving(studyUID: study.studyInstanceUID, sourceAETitle: source.calledAETitle)
            var result: RetrievalMoveResult
            do {
                if job.method == .get, let staging {
                    let (ending, stored) = try peer.get(studyUID: study.studyInstanceUID, from: source, into: staging, cancel: cancel,
                                                        progress: { _ in })
                    result = settings.decision.move(ending, stored: stored, attempts: study.attempts, now: now())
                } else {
                    let ending = try peer.move(studyUID: study.studyInstanceUID, from: source, to: settings.aeTitle, cancel: cancel,
                                               progress: { _ in })
                    result = settings.decision.move(ending, attempts: study.attempts, now: now())
                }
            } catch {
                result = settings.decision.moveError("\(error)", attempts: study.attempts, now: now(), paused: RetrievalDecision.pauses(error))
                if RetrievalDecision.pauses(error) { pausedByTLS(source, error) }
            }
            // Instances arriving from now on are synced before their Success.
            registry.endRetrieving(studyUID: study.studyInstanceUID)
            guard let ending else { return try endMove(item: item, study: study, project: job.project, result: result) }
            let outcome = result
            ending.run { [self] in
                do { try endMove(item: item, study: study, project: job.project, result: outcome) } catch {
                    logger.error("retrieval step failed (tried again)", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// A study's C-MOVE or C-GET ended: what arrived unsynced is made durable (if it cannot be,
    /// the study is asked for again, or fails after its attempts), then the index records how.
    /// Until then the study stays `moving` (a kill meanwhile has it asked for again).
    private func endMove(item: RetrievalItem, study: RetrievalStudy, project: String, result: RetrievalMoveResult) throws {
        var result = result
        do {
            try syncStudy(study.studyInstanceUID, project)
        } catch {
            result = settings.decision.moveError("the retrieved instances cannot be made durable: \(error)", attempts: study.attempts,
                                                 now: now())
        }
        try store.recordRetrievalMove(studyId: study.id, result: result, now: now())
        if result.state == .failed { release(study) }
        logger.info("retrieval of a study ended", metadata: [
            "item": "\(item.id)", "study": "\(study.studyInstanceUID)", "state": "\(result.state.rawValue)",
            "status": "\(result.finalStatus ?? "-")", "meaning": "\(result.meaning ?? "-")", "completed": "\(result.counts.completed)",
            "failed": "\(result.counts.failed)", "warning": "\(result.counts.warning)"])
    }

    /// A TLS failure towards a source: its work waits (RetrievalDecision.pausedUntil), logged
    /// as an error with the reason (which names no value of the list).
    private func pausedByTLS(_ source: RetrievalSource, _ error: any Error) {
        logger.error("retrieval source failed TLS: its work waits until its certificates are put right (SIGHUP reloads them)",
                     metadata: ["source": "\(source.name)", "reason": "\(error)"])
    }

    /// Arrived studies whose instances are in the index (or that waited long enough) are done.
    func finishArrived() throws {
        for f in try store.retrievalStudiesInFlight() where f.study.state == .arrived {
            let indexed = try store.indexedInstances(studyInstanceUID: f.study.studyInstanceUID, project: indexedProject(f.project))
            guard settings.decision.isDone(f.study, indexed: indexed, now: now()) else { continue }
            var result = RetrievalMoveResult(state: .done, counts: f.study.counts, finalStatus: f.study.finalStatus,
                                             meaning: f.study.statusMeaning)
            result.notBefore = nil
            try store.recordRetrievalMove(studyId: f.study.id, result: result, now: now())
            release(f.study)
            logger.info("retrieved study in the index", metadata: ["item": "\(f.study.itemId)", "study": "\(f.study.studyInstanceUID)",
                                                                   "instances": "\(indexed)"])
        }
    }

    /// The project a retrieved study is indexed in: the job's, on a node with projects; on one
    /// without, everything is the default project's.
    private func indexedProject(_ project: String) -> String {
        staging?.routing == nil ? ImportedImage.defaultProject : project
    }

    private func claim(_ study: RetrievalStudy, project: String) {
        registry.register(studyUID: study.studyInstanceUID,
                          .init(project: project, item: study.itemId, expectedInstances: study.expectedInstances))
        if let n = study.expectedInstances { staging?.expectInstances(studyInstanceUID: study.studyInstanceUID, count: n, project: project) }
    }

    /// The study's claim and expected count go, unless the study was claimed again since for
    /// another item (its end is recorded beside the next move: see `StudyEnding`).
    private func release(_ study: RetrievalStudy) {
        guard let released = registry.release(studyUID: study.studyInstanceUID, item: study.itemId) else { return }
        staging?.forgetExpectedInstances(studyInstanceUID: study.studyInstanceUID, project: released.project)
    }
}
