import Foundation
import SenditIndex
import Testing

/// Retrieval jobs in the index: what is claimed in which order, what a C-FIND and each study's
/// move record, the item's outcome once its studies are final, pausing, and the work a kill
/// cut short queued again.
@Suite struct RetrievalStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func job(_ f: IndexFixture, values: [String], source: String = "pacs", paused: Bool = false) throws -> Int64 {
        let list = RetrievalList(kind: .accession, entries: values.map { RetrievalList.Entry(value: $0, researchID: "R-" + $0) })
        return try f.database.createRetrieval(RetrievalJob(source: source, project: "lung", method: .move, createdAt: t0, paused: paused,
                                                           requester: "cli:test"), list: list, dates: "20200101-", now: t0)
    }

    @Test func oneStudyListedByTwoJobsIsRetrievedForOneAtATime() throws {
        let f = try IndexFixture()
        _ = try job(f, values: ["A1"])
        let list = RetrievalList(kind: .accession, entries: [RetrievalList.Entry(value: "A9")])
        _ = try f.database.createRetrieval(RetrievalJob(source: "pacs", project: "neuro", method: .move, createdAt: t0, requester: "cli:test"),
                                           list: list, dates: nil, now: t0)
        for _ in 0..<2 {
            guard case .find(_, let item) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else {
                Issue.record("expected a find")
                return
            }
            try f.database.recordRetrievalFind(itemId: item.id, result: .found([("1.2.1", 3)]), now: t0)
            if item.value == "A1" {
                guard case .move(let j, _, let s) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else {
                    Issue.record("expected the move")
                    return
                }
                #expect(j.project == "lung" && s.studyInstanceUID == "1.2.1")
            }
        }
        // lung's job is moving study 1.2.1: neuro's copy of it waits (its arrivals would be lung's).
        #expect(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0) == nil)
        let moving = try #require(try f.database.retrievalStudiesInFlight().first)
        try f.database.recordRetrievalMove(studyId: moving.study.id, result: RetrievalMoveResult(
            state: .arrived, counts: RetrievalCounts(completed: 3), finalStatus: "0x0000", meaning: "Success"), now: t0)
        #expect(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0) == nil)
        try f.database.recordRetrievalMove(studyId: moving.study.id, result: RetrievalMoveResult(
            state: .done, counts: RetrievalCounts(completed: 3), finalStatus: "0x0000", meaning: "Success"), now: t0)
        guard case .move(let j, _, let s) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else {
            Issue.record("expected neuro's move once lung's is done")
            return
        }
        #expect(j.project == "neuro" && s.studyInstanceUID == "1.2.1")
    }

    @Test func aFindQueuesItsStudiesWhichAreMovedBeforeTheNextItemIsSearched() throws {
        let f = try IndexFixture()
        let id = try job(f, values: ["A1", "A2"])
        guard case .find(let j, let item) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else {
            Issue.record("expected a find")
            return
        }
        #expect(j.id == id && j.project == "lung" && item.value == "A1" && item.researchID == "R-A1" && item.dates == "20200101-")
        #expect(item.state == .finding && item.attempts == 1)
        try f.database.recordRetrievalFind(itemId: item.id, result: .found([("1.2.1", 3), ("1.2.2", nil)]), now: t0)
        guard case .move(_, _, let s1) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else {
            Issue.record("expected a move")
            return
        }
        #expect(s1.studyInstanceUID == "1.2.1" && s1.expectedInstances == 3 && s1.state == .moving)
        // Another source's worker gets nothing of this job.
        #expect(try f.database.claimRetrievalWork(sources: ["other"], now: t0) == nil)
        guard case .move(_, _, let s2) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else {
            Issue.record("expected the second study")
            return
        }
        #expect(s2.studyInstanceUID == "1.2.2")
        guard case .find(_, let second) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else {
            Issue.record("expected the second item's find")
            return
        }
        #expect(second.value == "A2")
        #expect(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0) == nil)

        // Study 1 arrives in full and is done; study 2 fails: partly retrieved.
        try f.database.recordRetrievalMove(studyId: s1.id, result: RetrievalMoveResult(
            state: .arrived, counts: RetrievalCounts(completed: 3), finalStatus: "0x0000", meaning: "Success"), now: t0)
        var items = try f.database.retrievalItems(jobId: id)
        #expect(items[0].state == .retrieving && items[0].outcome == .found && items[0].counts.completed == 3)
        #expect(try f.database.retrievalStudiesInFlight().map(\.study.studyInstanceUID) == ["1.2.1", "1.2.2"])
        try f.database.recordRetrievalMove(studyId: s1.id, result: RetrievalMoveResult(
            state: .done, counts: RetrievalCounts(completed: 3), finalStatus: "0x0000", meaning: "Success"), now: t0)
        try f.database.recordRetrievalMove(studyId: s2.id, result: RetrievalMoveResult(
            state: .failed, counts: RetrievalCounts(), finalStatus: "0xA801", meaning: "Move destination unknown"), now: t0)
        items = try f.database.retrievalItems(jobId: id)
        #expect(items[0].state == .done && items[0].outcome == .partlyRetrieved)
        #expect(items[0].finalStatus == "0xA801" && items[0].statusMeaning == "Move destination unknown" && items[0].studiesFound == 2)

        // The second item is not found.
        try f.database.recordRetrievalFind(itemId: second.id, result: .found([]), now: t0)
        let p = try #require(try f.database.retrievalJob(id: id))
        #expect(p.isFinished && p.items == 2 && p.itemsDone == 2 && p.studiesFound == 2 && p.studiesDone == 1 && p.studiesFailed == 1)
        #expect(p.outcomes == ["partly_retrieved": 1, "not_found": 1] && p.expectedInstances == 3 && p.counts.completed == 3)
    }

    @Test func aPausedJobIsNotClaimedUntilResumed() throws {
        let f = try IndexFixture()
        let id = try job(f, values: ["A1"], paused: true)
        #expect(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0) == nil)
        #expect(try f.database.setRetrievalPaused(jobId: id, paused: false, now: t0))
        #expect(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0) != nil)
        #expect(try !f.database.setRetrievalPaused(jobId: id + 1, paused: true, now: t0))
    }

    @Test func workCutShortByAKillIsQueuedAgainAndAFailedFindWaitsForItsRetry() throws {
        let f = try IndexFixture()
        _ = try job(f, values: ["A1", "A2"])
        guard case .find(_, let a1) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else { return }
        try f.database.recordRetrievalFind(itemId: a1.id, result: .found([("1.2.1", 2)]), now: t0)
        guard case .move(_, _, let study) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else { return }
        guard case .find(_, let a2) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else { return }
        // Killed here: the move and the find were running.
        #expect(try f.database.requeueInterruptedRetrievals(now: t0) == 2)
        guard case .move(_, _, let again) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else { return }
        #expect(again.id == study.id && again.attempts == 2)
        guard case .find(_, let a2again) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0)) else { return }
        #expect(a2again.id == a2.id)
        try f.database.recordRetrievalFind(itemId: a2.id, result: .failed(status: nil, meaning: "connection refused",
                                                                          retryAt: t0.addingTimeInterval(30)), now: t0)
        #expect(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0.addingTimeInterval(29)) == nil)
        #expect(try f.database.claimRetrievalWork(sources: ["pacs"], now: t0.addingTimeInterval(30)) != nil)
    }

    @Test func indexedInstancesCountsTheStudysImagesInTheIndex() throws {
        let f = try IndexFixture()
        try f.add(series: "1.5.1", sops: ["1.5.1.1", "1.5.1.2"], study: "1.5")
        try f.add(series: "1.5.2", sops: ["1.5.2.1"], study: "1.5")
        #expect(try f.database.indexedInstances(studyInstanceUID: "1.5", project: "default") == 3)
        #expect(try f.database.indexedInstances(studyInstanceUID: "1.6", project: "default") == 0)
    }

    @Test func theOutcomeFollowsFromTheStudies() {
        func s(_ state: RetrievalStudy.State, failed: Int = 0) -> RetrievalStudy {
            RetrievalStudy(id: 1, itemId: 1, studyInstanceUID: "1", expectedInstances: nil, state: state, attempts: 1,
                           counts: RetrievalCounts(completed: 1, failed: failed), finalStatus: nil, statusMeaning: nil, notBefore: nil,
                           updatedAt: Date())
        }
        #expect(RetrievalOutcome.of([]) == .notFound)
        #expect(RetrievalOutcome.of([s(.done), s(.done)]) == .retrieved)
        #expect(RetrievalOutcome.of([s(.done), s(.failed)]) == .partlyRetrieved)
        #expect(RetrievalOutcome.of([s(.done, failed: 2)]) == .partlyRetrieved)
        #expect(RetrievalOutcome.of([s(.failed), s(.failed)]) == .failed)
    }
}
