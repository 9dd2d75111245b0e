import DICOMCore

extension Walk {
    /// A TM or DT that is kept or moved, its fractions of a second written canonically
    /// (TimeFraction: no identifier's digits there, at most 6 digits); any other element as it is.
    func canonicalTimes(_ e: DataElement, path: [Tag]) -> DataElement {
        let vr = effectiveVR(e)
        guard vr == .TM || vr == .DT, let values = cleaner.canonicalTimes(e.strings()) else { return e }
        return DataElement(tag: e.tag, vr: vr, strings: values)
    }
}
