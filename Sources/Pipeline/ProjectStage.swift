import Foundation
import SenditIndex

/// One stage of the pipeline for every project: runs each job with the stage of its series'
/// project (its own de-identification, key and destinations). A series of a project the node
/// no longer has is refused for good, named, never handled by another project's settings.
/// The projects' stages are in a `Table`, which SIGHUP may fill anew; a job already running
/// finishes with the stage it started with.
public struct ProjectStage: StageHandler {
    public let stage: String
    public let table: Table
    /// The stage of each project, by project name; all of one kind (the same `stage`).
    public var stages: [String: any StageHandler] { table.stages }

    /// The projects' stages in force.
    public final class Table: @unchecked Sendable {
        private let lock = NSLock()
        private var current: [String: any StageHandler]
        private var configured: Set<String>
        /// `projects`: every configured project (a delivery stage has stages for some only).
        public init(_ stages: [String: any StageHandler], projects: Set<String>) {
            current = stages
            configured = projects
        }
        public var stages: [String: any StageHandler] { lock.withLock { current } }
        public var projects: Set<String> { lock.withLock { configured } }
        public func replace(_ stages: [String: any StageHandler], projects: Set<String>) {
            lock.withLock {
                current = stages
                configured = projects
            }
        }
    }
    public let inputStatuses: [ImageStatus]
    public let workingStatus: ImageStatus
    public let giveUp: JobQueue.GiveUp
    /// A delivery stage: a series of a configured project that does not deliver there (a job
    /// queued for every destination, by `sendit retry` or after a stage gave up) is left alone.
    public let skipsOtherProjects: Bool

    /// `kind`: a stage of the kind every project's is (its name, statuses and giving up).
    public init(_ stages: [String: any StageHandler], kind: any StageHandler, projects: Set<String>, skipsOtherProjects: Bool = false) {
        self.skipsOtherProjects = skipsOtherProjects
        let first = kind
        precondition(stages.values.allSatisfy { $0.stage == first.stage && $0.workingStatus == first.workingStatus })
        table = Table(stages, projects: projects)
        stage = first.stage
        inputStatuses = first.inputStatuses
        workingStatus = first.workingStatus
        giveUp = first.giveUp
    }

    /// Every project's next stages (the workers' wake-up; what is queued is the series' own).
    public var nextStages: [String] {
        var all: [String] = []
        for s in stages.values.flatMap(\.nextStages) where !all.contains(s) { all.append(s) }
        return all
    }

    /// The series' project's stage; nil for a delivery stage its project does not use.
    func handler(forSeries seriesId: Int64, in database: any IndexStore) throws -> (any StageHandler)? {
        guard let project = try database.project(ofSeries: seriesId) else {
            throw StageError.permanent("series \(seriesId) is not in the index")
        }
        if let handler = table.stages[project] { return handler }
        // A configured project that does not deliver here: left alone. A project the node does
        // not have (PROJECTS_FILE changed): refused, named, never another project's settings.
        if skipsOtherProjects && table.projects.contains(project) { return nil }
        throw StageError.permanent("the series is in project \(project), which this node does not have (PROJECTS_FILE)")
    }

    public func run(_ job: StageJob) throws {
        try handler(forSeries: job.seriesId, in: job.database)?.run(job)
    }

    public func nextStages(after job: JobRecord, in database: any IndexStore) throws -> [String] {
        try handler(forSeries: job.seriesId, in: database)?.nextStages(after: job, in: database) ?? []
    }
}
