import Foundation
import DICOMCore
import DICOMFile

/// The de-identification engine: normalises the original (so every reader reads it alike),
/// applies PS3.15 Table E.1-1 with the chosen options at every level of nesting (compound
/// actions by the IOD), decides attributes without a row by the reviewed allowlist, cleans
/// kept text of the original's identifying values and of identifying patterns, remaps UIDs,
/// shifts dates, rebuilds the Pixel Data container, and writes the replacement values and the
/// de-identification attributes. Pure: no I/O (values left in the source file stay there, and
/// the writer streams them).
public struct Deidentifier: Sendable {
    public let settings: DeidentificationSettings
    public let uids: UIDRemapper

    public init(settings: DeidentificationSettings, uids: UIDRemapper) {
        self.settings = settings
        self.uids = uids
    }

    /// The result for one file.
    public struct Output: Sendable {
        public var file: Part10File
        public var studyInstanceUID: String
        public var seriesInstanceUID: String
        public var sopInstanceUID: String
        /// What was done: counts per kind of action, and the explanation when asked for.
        public var report: DeidentificationReport
    }

    /// The file cannot be de-identified (it is the file's own fault): refused with the reason.
    public struct Refusal: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
        public init(reason: String) { self.reason = reason }
    }

    /// The file must be looked at by a person before anything is sent (video: its frames
    /// cannot be rebuilt or checked).
    public struct Hold: Error, CustomStringConvertible {
        public let rule: String
        public let reason: String
        public var description: String { reason }
    }

    public func deidentify(_ input: Part10File, identifiers: IdentifiersResponse, explain: Bool = false) throws -> Output {
        var input = input
        input.dataSet = try Deidentifier.loadingText(input.dataSet)
        try identifiers.validate()
        if settings.profile.options.contains(.retainLongitudinalModifiedDates) && !identifiers.hasJitter {
            throw Refusal(reason: "the identifiers give no date jitter, and dates are to be moved (retain-modified-dates)")
        }
        // A truncated file would come out complete-looking with its tail missing.
        if let cut = input.warnings.first(where: \.isTruncation) {
            throw Refusal(reason: "the file is truncated (\(cut))")
        }
        let log = ActionLog(explaining: explain)
        let normalized = try InputNormalizer.normalize(input)
        for note in normalized.notes { log.note(.normalized, .specificCharacterSet, reason: note) }
        let original = normalized.dataSet
        let sopClass = original.string(.sopClassUID) ?? ""
        let walk = Walk(settings: settings, uids: uids.inNamespace(identifiers.uid_namespace), jitter: identifiers.jitterDays,
                        cleaner: TextCleaner(IdentifyingValues(original: original, options: settings.profile.options)),
                        iod: InformationObjectDefinition.forSOPClass(sopClass), ownSOPClass: sopClass, log: log)
        var ds = walk.clean(Deidentifier.withoutPixelData(original), path: [])
        for tag in Deidentifier.pixelDataTags { if let e = original[tag] { ds.set(e) } }
        do {
            switch try PixelDataRebuilder.rebuild(&ds, transferSyntax: input.transferSyntax) {
            case .kept: if ds.contains(.pixelData) { log.note(.kept, .pixelData, reason: "Pixel Data: its container needed no change") }
            case .rebuilt: log.note(.rebuilt, .pixelData, reason: "Pixel Data: container rebuilt (only what decoding needs)")
            case .hold(let reason): throw Hold(rule: "video", reason: reason)
            }
        } catch let refusal as PixelDataRefusal {
            throw Refusal(reason: "Pixel Data: \(refusal.reason)")
        }
        ds.set(DataElement(tag: .patientName, vr: .PN, string: pseudonymName(identifiers)))
        ds.set(DataElement(tag: .patientID, vr: .LO, string: identifiers.entityCode))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: identifiers.itemCode))
        for tag in [Tag.patientName, .patientID, .accessionNumber] {
            log.record(.replaced, tag, at: [], reason: "replacement identifiers (\(tag == .accessionNumber ? "the study's code" : "the patient's code"))")
        }
        // Study ID (Z) is one of the attributes a DICOMDIR needs: where the original had one,
        // it gets the study's code (Z allows a dummy value), if the code fits an SH.
        if ds.contains(.studyID), identifiers.itemCode.utf8.count <= 16 {
            ds.set(DataElement(tag: .studyID, vr: .SH, string: identifiers.itemCode))
            log.record(.replaced, .studyID, at: [], reason: "the study's code (a DICOMDIR needs a Study ID)")
        }
        addMethod(to: &ds, datesShifted: walk.datesShifted)
        if let recipe = settings.recipe {
            recipe.apply(to: &ds, original: original, identifiers: identifiers, log: log) { e in
                // KEEP keeps the attribute, not the profile's choices: a date stays under the
                // date options (moved, or kept only under retain-full-dates).
                let vr = walk.effectiveVR(e)
                if vr == .DA || vr == .DT || vr == .TM {
                    return walk.byDateOptions(e, vr: vr, path: [], why: "recipe KEEP")
                }
                return walk.keep(e, path: [], reason: "recipe KEEP: kept, cleaned like any kept value")
            }
        }
        guard let study = ds.string(.studyInstanceUID), let series = ds.string(.seriesInstanceUID),
              let sop = ds.string(.sopInstanceUID), !study.isEmpty, !series.isEmpty, !sop.isEmpty else {
            throw Refusal(reason: "the data set lacks StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID")
        }
        // File Meta Information is made anew from the data set by the writer: the source AE title,
        // the sender's implementation and private meta elements are not carried over; nor is
        // the preamble (a dual-format file's TIFF header may describe the patient).
        let file = Part10File(fileMetaInformation: DataSet(), dataSet: ds, transferSyntax: input.transferSyntax)
        return Output(file: file, studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: sop,
                      report: DeidentificationReport(counts: log.counts, explanation: log.lines))
    }

    /// Pixel Data, Float and Double Float Pixel Data at the top level: their containers are
    /// rebuilt (PixelDataRebuilder), not walked as values.
    static let pixelDataTags: [Tag] = [Tag(0x7FE0_0008), Tag(0x7FE0_0009), .pixelData]

    static func withoutPixelData(_ ds: DataSet) -> DataSet {
        guard pixelDataTags.contains(where: ds.contains) else { return ds }
        var out = ds
        for tag in pixelDataTags { out.remove(tag) }
        return out
    }

    /// DEID_PATIENT_NAME with the codes in; a name without a component separator gets one
    /// (`P3A…^`), the form PS3.5 6.2.1 gives a family name alone.
    func pseudonymName(_ identifiers: IdentifiersResponse) -> String {
        let name = settings.patientNamePattern
            .replacingOccurrences(of: "{entity}", with: identifiers.entityCode)
            .replacingOccurrences(of: "{item}", with: identifiers.itemCode)
        return name.contains("^") ? name : name + "^"
    }

    /// The data set with every text value in memory: a text value of 64 KiB or more is left in
    /// the file by the reader, and would otherwise be neither checked nor cleaned. Call it on
    /// the original before the engine and the PHI gate see it.
    public static func loadingText(_ ds: DataSet) throws -> DataSet {
        guard hasDeferredText(ds) else { return ds }   // the usual case: nothing to copy
        var out = ds
        try out.updateEach { e in
            switch e.value {
            case .sequence(let items):
                e.value = .sequence(try items.map(loadingText))
            case .binary(.deferred(let location)) where e.vr.isString || e.vr == .UN:
                do {
                    e.value = .binary(.inline(try location.read()))
                } catch {
                    throw Refusal(reason: "a text value of \(e.tag) cannot be read: \(error)")
                }
            default:
                break
            }
        }
        return out
    }

    static func hasDeferredText(_ ds: DataSet) -> Bool {
        ds.contains { e in
            switch e.value {
            case .sequence(let items): return items.contains(where: hasDeferredText)
            case .binary(.deferred): return e.vr.isString || e.vr == .UN
            default: return false
            }
        }
    }

    /// PatientIdentityRemoved, DeidentificationMethod (the code meanings), its code sequence
    /// (113100 and one code per option used), LongitudinalTemporalInformationModified.
    func addMethod(to ds: inout DataSet, datesShifted: Bool) {
        let options = settings.profile.options
        let codes = [DeidentificationMethodCode.basicProfile] + options.sorted().map(\.methodCode)
        ds.set(DataElement(tag: .patientIdentityRemoved, vr: .CS, string: "YES"))
        var method = codes.map { String($0.meaning.prefix(64)) }
        if let recipe = settings.recipe {
            method.append(String(("sendit recipe " + (recipe.source as NSString).lastPathComponent).prefix(64)))
        }
        ds.set(DataElement(tag: .deidentificationMethod, vr: .LO, strings: method))
        ds.set(DataElement(sequence: .deidentificationMethodCodeSequence, items: codes.map { code in
            DataSet([
                DataElement(tag: .codeValue, vr: .SH, string: code.value),
                DataElement(tag: .codingSchemeDesignator, vr: .SH, string: code.scheme),
                DataElement(tag: .codeMeaning, vr: .LO, string: String(code.meaning.prefix(64))),
            ])
        }))
        let temporal: String
        if options.contains(.retainLongitudinalFullDates) {
            temporal = "UNMODIFIED"
        } else if options.contains(.retainLongitudinalModifiedDates) {
            temporal = datesShifted ? "MODIFIED" : "UNMODIFIED"
        } else {
            temporal = "REMOVED"
        }
        ds.set(DataElement(tag: .longitudinalTemporalInformationModified, vr: .CS, string: temporal))
    }
}

/// What the engine did to one image: how many attributes got each kind of action, and, when a
/// person asked, each action with its reason (values masked).
public struct DeidentificationReport: Sendable {
    public var counts: [ActionTaken: Int]
    public var explanation: [ExplainedAction]?

    /// `removed=12 cleaned=3 …`, in a fixed order.
    public var countsText: String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " ")
    }
}
