import DICOMCore

extension Walk {
    /// A TM or DT that is kept or moved, written canonically (TimeFraction: no identifier's
    /// digits in a fraction, an offset or a value that is no time); any other element as it is.
    func canonicalTimes(_ e: DataElement, path: [Tag]) -> DataElement {
        let vr = effectiveVR(e)
        guard vr == .TM || vr == .DT, let values = cleaner.canonicalTimes(e.strings(), isDateTime: vr == .DT) else { return e }
        return DataElement(tag: e.tag, vr: vr, strings: values)
    }
}
