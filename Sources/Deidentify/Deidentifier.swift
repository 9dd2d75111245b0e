import Foundation
import DICOMCore
import DICOMFile

/// The de-identification engine: applies PS3.15 Table E.1-1 with the chosen options to a file's
/// data set at every level of nesting, remaps UIDs, shifts dates, writes the replacement values
/// and the de-identification attributes. Pure: no I/O (values left in the source file stay
/// there, and the writer streams them).
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
    }

    public struct Refusal: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public func deidentify(_ input: Part10File, identifiers: IdentifiersResponse) throws -> Output {
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
        let walk = Walk(engine: self, jitter: identifiers.jitterDays,
                        tokens: CleaningTokens(input.dataSet, profile: settings.profile))
        var ds = walk.clean(input.dataSet, characterSet: input.dataSet.specificCharacterSet)
        let name = settings.patientNamePattern
            .replacingOccurrences(of: "{entity}", with: identifiers.entityCode)
            .replacingOccurrences(of: "{item}", with: identifiers.itemCode)
        ds.set(DataElement(tag: .patientName, vr: .PN, string: name))
        ds.set(DataElement(tag: .patientID, vr: .LO, string: identifiers.entityCode))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: identifiers.itemCode))
        addMethod(to: &ds, datesShifted: walk.datesShifted)
        if let recipe = settings.recipe {
            recipe.apply(to: &ds, original: input.dataSet, identifiers: identifiers)
        }
        guard let study = ds.string(.studyInstanceUID), let series = ds.string(.seriesInstanceUID),
              let sop = ds.string(.sopInstanceUID), !study.isEmpty, !series.isEmpty, !sop.isEmpty else {
            throw Refusal(reason: "the data set lacks StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID")
        }
        // File Meta Information is made anew from the data set by the writer: the source AE title,
        // the sender's implementation and private meta elements are not carried over; nor is
        // the preamble (a dual-format file's TIFF header may describe the patient).
        let file = Part10File(fileMetaInformation: DataSet(), dataSet: ds, transferSyntax: input.transferSyntax)
        return Output(file: file, studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: sop)
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
