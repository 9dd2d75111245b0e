/// A project's identifiers: its withdrawal (opt-out) list and lookup table in front of its
/// provider (the keyed local pseudonymizer or the identifiers service). A patient on the
/// withdrawal list is refused; a patient in the lookup table gets the table's research ID (and
/// research accession number and date offset where it gives them) over the provider's codes;
/// any other patient gets the provider's, or is refused when the project says so. Refusals name
/// the list, never the patient.
public struct ProjectIdentifiers: IdentifiersProvider {
    public let base: any IdentifiersProvider
    public let project: String
    public var lookup: LookupTable?
    /// Patients not in the lookup table are refused (else they get the provider's codes).
    public var refuseUnlisted = false
    /// Original patient IDs (ENTITY_ID's values) who withdrew from the project.
    public var withdrawn: Set<String> = []

    public init(base: any IdentifiersProvider, project: String) {
        self.base = base
        self.project = project
    }

    public var name: String { base.name + (lookup == nil ? "" : " and project \(project)'s lookup table") }

    /// Why the request's patient is refused (withdrawn; unlisted where that is refused), or nil.
    public func refusal(for request: IdentifiersRequest) -> String? {
        let original = request.identifiers.first?.id ?? ""
        if withdrawn.contains(original) { return "the patient is on project \(project)'s withdrawal list: nothing of theirs is sent" }
        if refuseUnlisted && lookup?.patients[original] == nil {
            return "the patient is not in project \(project)'s lookup table, and the project refuses unlisted patients"
        }
        return nil
    }

    public func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse {
        if let why = refusal(for: request) { throw IdentifiersRefusal(reason: why) }
        let listed = lookup?.patients[request.identifiers.first?.id ?? ""]
        var response = try base.identifiers(for: request)
        guard let listed, !response.results.isEmpty else { return response }
        response.results[0].suid = listed.researchID
        if let offset = listed.dateOffset {
            response.results[0].jitter = offset
            response.results[0].jittered_timestamp = LocalPseudonymizer.shift(request.identifiers[0].id_timestamp, by: offset)
        }
        for i in response.results[0].items.indices {
            let item = request.identifiers[0].items.indices.contains(i) ? request.identifiers[0].items[i] : nil
            if let item, let research = lookup?.accessions[item.id] { response.results[0].items[i].suid = research }
            if let offset = listed.dateOffset, let item {
                response.results[0].items[i].jitter = offset
                response.results[0].items[i].jittered_timestamp = LocalPseudonymizer.shift(item.id_timestamp, by: offset)
            }
        }
        return response
    }

    /// What a listed patient's code stands for, for the index's check that no two originals
    /// share a code: the research ID itself (two originals the table maps to one research ID
    /// are one research subject on purpose). Nil for a patient the table does not list.
    public func claimedOriginal(for request: IdentifiersRequest) -> String? {
        guard let original = request.identifiers.first?.id, let listed = lookup?.patients[original] else { return nil }
        return "lookup-table " + listed.researchID
    }
}

/// The identifiers of a patient are refused for good (a withdrawal list, a lookup table that
/// does not list them): retrying cannot change it, so the images are FAILED with the reason.
public struct IdentifiersRefusal: Error, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "identify: " + reason }
}
