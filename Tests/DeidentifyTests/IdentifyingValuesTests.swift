import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Collection of identifying values (matching spec 1): which attributes are sources, which
/// forms each gives, what options and dummies withhold.
@Suite struct IdentifyingValuesTests {
    typealias E = CleanerFixture

    static func forms(_ ds: DataSet, options: Set<ProfileOption> = DeidentificationSettings.defaultOptions) -> [String: String] {
        var out: [String: String] = [:]
        for n in IdentifyingValues(original: ds, options: options).needles { out[String(decoding: n.bytes, as: UTF8.self)] = n.kind.rawValue }
        return out
    }

    static func forms(_ elements: DataElement..., options: Set<ProfileOption> = DeidentificationSettings.defaultOptions) -> [String: String] {
        forms(DataSet(elements), options: options)
    }

    // MARK: the lists

    @Test func everyListedKeywordIsInTheDictionary() {
        for k in IdentifyingAttributes.allKeywords {
            #expect(DataDictionary.entry(forKeyword: k) != nil, "\(k) is not a keyword of the data dictionary")
        }
        #expect(IdentifyingAttributes.institutionPlaces.isSubset(of: Set(IdentifyingAttributes.places)))
        #expect(IdentifyingAttributes.devicePlaces.isSubset(of: Set(IdentifyingAttributes.places)))
        #expect(IdentifyingAttributes.codeTags.count == IdentifyingAttributes.codes.count)
        // No keyword in two lists: its kind would depend on the order they are read in.
        let lists = [IdentifyingAttributes.names, IdentifyingAttributes.ids, IdentifyingAttributes.birthDates,
                     IdentifyingAttributes.contacts, IdentifyingAttributes.places, IdentifyingAttributes.devices]
        let all = lists.flatMap { $0 }
        #expect(all.count == Set(all).count)
        #expect(IdentifyingAttributes.sources.tags.count == all.count)
        #expect(IdentifyingAttributes.source(of: .patientID)?.kind == .id)
        #expect(IdentifyingAttributes.source(of: .studyDescription) == nil)
        #expect(IdentifyingAttributes.holdsClassUID(.sopClassUID) && IdentifyingAttributes.holdsClassUID(.referencedSOPClassUID))
        #expect(!IdentifyingAttributes.holdsClassUID(.sopInstanceUID))
        // The PN, DA, DT and UI attributes of the dictionary, none of a repeating group.
        #expect(!DataDictionary.allEntries.contains { $0.isRepeatingGroup && [.PN, .DA, .DT, .UI].contains($0.vr) })
        #expect(IdentifyingAttributes.dictionaryVR(of: .patientName, elementVR: .LO) == .PN)
        #expect(IdentifyingAttributes.dictionaryVR(of: .studyDate, elementVR: .UN) == .DA)
        #expect(IdentifyingAttributes.dictionaryVR(of: .sopInstanceUID, elementVR: .UI) == .UI)
        #expect(IdentifyingAttributes.dictionaryVR(of: .studyDescription, elementVR: .PN) == nil, "the dictionary says LO")
        #expect(IdentifyingAttributes.dictionaryVR(of: Tag(0x0009_1001), elementVR: .PN) == .PN, "unknown: its own VR")
    }

    /// The places an option withholds are exactly those its column of Table E.1-1 keeps.
    @Test func theWithheldPlacesAreThoseTheProfileKeeps() throws {
        let rows = try DeidFixture.tableRows()
        for keyword in IdentifyingAttributes.places {
            guard let row = rows.first(where: { $0.keyword == keyword }) else { continue }
            #expect((row.actions["rtn_inst_id"] == "K") == IdentifyingAttributes.institutionPlaces.contains(keyword), "\(keyword)")
            #expect((row.actions["rtn_dev_id"] == "K") == IdentifyingAttributes.devicePlaces.contains(keyword), "\(keyword)")
        }
        // Every institution attribute the option keeps that holds text is a listed place.
        for row in rows where row.actions["rtn_inst_id"] == "K" {
            guard let entry = DataDictionary.entry(forKeyword: row.keyword), entry.vr.isString else { continue }
            #expect(IdentifyingAttributes.institutionPlaces.contains(row.keyword), "\(row.keyword)")
        }
    }

    // MARK: names (1.1)

    @Test func everyPNAttributeIsANameSourceWhateverVRItArrivedIn() {
        let f = Self.forms(E.element("SecondaryReviewerName", "Krabappel^Edna"),
                           E.element("PatientName", "Flanders^Ned", vr: .LO),
                           DataElement(tag: E.element("OperatorsName", "").tag, vr: .UN, bytes: Array("Szyslak^Moe".utf8)),
                           E.element("ContactDisplayName", "Van Houten"))
        #expect(f["krabappel"] == "name" && f["edna"] == "name")
        #expect(f["flanders"] == "name" && f["ned"] == "name")
        #expect(f["szyslak"] == "name" && f["moe"] == "name")
        #expect(f["van"] == "name" && f["houten"] == "name" && f["vanhouten"] == "name")
    }

    @Test func nameFormsAreTheValueGroupsComponentsWordsAndRunTogether() {
        let f = Self.forms(E.element("PatientName", "Xu^An"),
                           E.element("OtherPatientNames", "Simpson^Homer^J^Dr^PhD\\O'Brien-Smith^Mary Ann"))
        for form in ["xu^an", "xu", "an", "xuan", "anxu", "simpson^homer^j^dr^phd", "simpson", "homer", "simpsonhomer",
                     "homersimpson", "o'brien-smith", "o", "brien", "smith", "obriensmith", "mary ann", "mary", "maryann",
                     "maryannobriensmith", "obriensmithmaryann"] where form.unicodeScalars.count >= 2 {
            #expect(f[form] == "name", "\(form)")
        }
        // Titles are not needles, nor parts of one character.
        #expect(f["dr"] == nil && f["phd"] == nil && f["j"] == nil && f["o"] == nil)
    }

    @Test func aNameWithoutComponentsIsSplitIntoWords() {
        let f = Self.forms(E.element("PatientName", "Homer J Simpson", vr: .LO))
        #expect(f["homer"] == "name" && f["simpson"] == "name" && f["homerjsimpson"] == "name" && f["simpsonhomer"] == "name")
        #expect(f["j"] == nil)
    }

    @Test func namesInOtherScriptsAndTheirUmlautVariants() {
        let f = Self.forms(E.element("SpecificCharacterSet", "ISO_IR 192"),
                           E.element("PatientName", "Müller^Jürgen=山田^太郎=ヤマダ^タロウ"))
        #expect(f["muller"] == "name" && f["mueller"] == "name" && f["jurgen"] == "name" && f["juergen"] == "name")
        #expect(f["山田"] == "name" && f["太郎"] == "name" && f["やまた"] == "name" && f["やまたたろう"] == "name")
        let cjk = DataSet([E.element("SpecificCharacterSet", "ISO_IR 192"), E.element("PatientName", "=山田^太郎")])
        let needle = IdentifyingValues(original: cjk, options: [])
            .needles.first { $0.bytes == Array("山田".utf8) }
        #expect(needle?.match == .anywhere)
    }

    /// PS3.5 H.3.1's example: the ideographic and phonetic groups in ISO 2022 IR 87.
    @Test func aNameInISO2022IsDecodedInItsCharacterSet() {
        var value = Array("Yamada^Tarou=".utf8)
        value += [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x5E, 0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x42]
        let ds = DataSet([E.element("SpecificCharacterSet", "\\ISO 2022 IR 87"),
                          DataElement(tag: .patientName, vr: .PN, bytes: value + [0x20])])
        let f = Self.forms(ds)
        #expect(f["山田"] == "name" && f["太郎"] == "name" && f["yamada"] == "name")
    }

    // MARK: identifiers (1.2)

    @Test func identifierFormsAreTheValueWithoutSeparatorsAndItsDigitRuns() {
        let f = Self.forms(E.element("PatientID", "MRN-441-0527"), E.element("AccessionNumber", "A0044105278"),
                           E.element("StudyID", "12345"), E.element("RequestedProcedureID", "RP1"),
                           E.element("OtherPatientIDs", "123456\\ab"))
        #expect(f["mrn-441-0527"] == "id" && f["mrn4410527"] == "id")
        #expect(f["441"] == nil && f["0527"] == nil)
        #expect(f["a0044105278"] == "id" && f["0044105278"] == "id")
        #expect(f["12345"] == nil, "a number of 5 digits is no identifier")
        #expect(f["rp1"] == "id" && f["123456"] == "id" && f["ab"] == nil)
    }

    // MARK: birth dates and other dates (1.3, otherdate)

    @Test func theBirthDateAndTheOtherDates() {
        let ds = DataSet([E.element("PatientBirthDate", "19581104"), E.element("StudyDate", "20240115"),
                          E.element("AcquisitionDateTime", "20240116083000.123"), E.element("ContentDate", "19000101"),
                          E.element("PatientBirthDateInAlternativeCalendar", "5719-08-03")])
        let values = IdentifyingValues(original: ds, options: DeidentificationSettings.defaultOptions)
        #expect(values.birthDates.map { [$0.0, $0.1, $0.2] } == [[1958, 11, 4]])
        #expect(values.otherDates == [20240115, 20240116])
        let f = Self.forms(ds)
        #expect(f["19581104"] == "birthdate" && f["2024-01-15"] == "otherdate" && f["20240116"] == "otherdate")
        #expect(f["19000101"] == nil, "a dummy sendit writes")
        #expect(f["5719-08-03"] == "birthdate", "a date in another calendar, looked for whole")
        let fullDates = IdentifyingValues(original: ds, options: [.retainLongitudinalFullDates])
        #expect(fullDates.otherDates.isEmpty && !fullDates.needles.contains { $0.kind == .otherdate })
        #expect(fullDates.birthDates.count == 1)
    }

    // MARK: contacts (1.4)

    @Test func contactFormsAreWordsPostalCodesTelephoneDigitsAndAddresses() {
        let f = Self.forms(E.element("PatientAddress", "742 Evergreen Terrace, Springfield OR 97475"),
                           E.element("PatientTelephoneNumbers", "+1 (650) 555-0142\\555 0199"),
                           E.element("PatientTelecomInformation", "tel:+16505550142 mailto:chunkylover53@example.org"),
                           E.element("CountryOfResidence", "USA"))
        #expect(f["evergreen"] == "contact" && f["springfield"] == "contact" && f["97475"] == "contact")
        #expect(f["terrace"] == nil && f["742"] == nil, "generic words and short numbers are no needles")
        #expect(f["16505550142"] == "contact" && f["6505550142"] == "contact" && f["5550142"] == "contact")
        #expect(f["5550199"] == "contact")
        #expect(f["tel:+16505550142"] == "contact" && f["mailto:chunkylover53@example.org"] == "contact")
        #expect(f["chunkylover53@example.org"] == "contact" && f["chunkylover53"] == "contact")
        #expect(f["example"] == nil, "an e-mail's domain is not an address")
        #expect(f["usa"] == "contact")
    }

    // MARK: places, devices (1.5)

    @Test func placeFormsAreLongValuesAndTheirUncommonWords() {
        let f = Self.forms(E.element("InstitutionName", "Shelbyville General Hospital"),
                           E.element("IssuerOfPatientID", "BENCH"), E.element("InstitutionalDepartmentName", "Radiology"))
        #expect(f["shelbyville general hospital"] == "place" && f["shelbyville"] == "place")
        #expect(f["general"] == nil && f["hospital"] == nil)
        // A value of generic words only names no one: "radiology" is no needle.
        #expect(f["radiology"] == nil)
        #expect(f["bench"] == nil, "a short issuer names no one")
    }

    @Test func devicesOfSixCharactersOrMore() {
        let f = Self.forms(E.element("StationName", "CTSCAN01"), E.element("DeviceSerialNumber", "SN1"),
                           E.element("ScheduledStationName", "CT01"))
        #expect(f["ctscan01"] == "device" && f["sn1"] == nil && f["ct01"] == nil)
    }

    @Test func optionsWithholdWhatTheyKeep() {
        let ds = DataSet([E.element("InstitutionName", "Shelbyville General Hospital"), E.element("IssuerOfPatientID", "SPRINGFIELD MRN"),
                          E.element("StationName", "CTSCAN01"), E.element("ScheduledProcedureStepLocation", "BASEMENT ROOM 3"),
                          E.element("StudyInstanceUID", "1.2.826.0.1.3680043.10.7")])
        let all = Self.forms(ds, options: [])
        #expect(all["shelbyville"] == "place" && all["springfield mrn"] == "place" && all["ctscan01"] == "device"
                 && all["basement room 3"] == "place" && all["1.2.826.0.1.3680043.10.7"] == "uid")
        let institution = Self.forms(ds, options: [.retainInstitutionIdentity])
        #expect(institution["shelbyville"] == nil && institution["springfield mrn"] == "place")
        let device = Self.forms(ds, options: [.retainDeviceIdentity])
        #expect(device["ctscan01"] == nil && device["basement room 3"] == nil && device["shelbyville"] == "place")
        let uids = Self.forms(ds, options: [.retainUIDs])
        #expect(uids["1.2.826.0.1.3680043.10.7"] == nil)
    }

    // MARK: UIDs

    @Test func uidsExceptRegisteredOnesAndClasses() {
        let privateClass = "1.3.12.2.1107.5.9.1"
        let item = DataSet([E.element("ReferencedSOPClassUID", privateClass), E.element("ReferencedSOPInstanceUID", "1.2.3.4.5.6.7")])
        let f = Self.forms(E.element("SOPClassUID", "1.2.840.10008.5.1.4.1.1.2"), E.element("SOPInstanceUID", "1.2.3.4.5.6.8"),
                           E.element("CodingSchemeUID", "2.16.840.1.113883.6.96"), E.element("MediaStorageSOPClassUID", privateClass),
                           E.element("FrameOfReferenceUID", privateClass),
                           DataElement(sequence: .referencedImageSequence, items: [item]))
        #expect(f["1.2.3.4.5.6.7"] == "uid" && f["1.2.3.4.5.6.8"] == "uid")
        #expect(f["1.2.840.10008.5.1.4.1.1.2"] == nil, "registered")
        #expect(f["2.16.840.1.113883.6.96"] == nil, "a coding scheme")
        #expect(f[privateClass] == nil, "a class wherever else it appears")
    }

    // MARK: where values come from

    @Test func everyLevelWithItsCharacterSetButNotPrivateElementsOrDummies() {
        let latin1Name: [UInt8] = Array("M".utf8) + [0xFC] + Array("ller^J".utf8) + [0xFC] + Array("rgen".utf8)
        let nested = DataSet([DataElement(tag: .patientName, vr: .PN, bytes: latin1Name)])
        let utf8Item = DataSet([E.element("SpecificCharacterSet", "ISO_IR 192"), E.element("PersonName", "Gößling^Åsa")])
        let ds = DataSet([
            E.element("SpecificCharacterSet", "ISO_IR 100"),
            DataElement(sequence: E.element("OtherPatientIDsSequence", "").tag, items: [nested, utf8Item]),
            DataElement(tag: Tag(group: 0x0009, element: 0x0010), vr: .LO, string: "ACME"),
            DataElement(tag: Tag(group: 0x0009, element: 0x1001), vr: .PN, string: "Private^Person"),
            DataElement(sequence: Tag(group: 0x0009, element: 0x1002), items: [DataSet([E.element("OtherPatientIDs", "VENDORKEPT77")])]),
            E.element("ReferringPhysicianName", "ANONYMIZED"),
            E.element("PatientID", "ANONYMOUS"),
        ])
        let f = Self.forms(ds)
        #expect(f["muller"] == "name" && f["jurgen"] == "name" && f["juergen"] == "name")
        #expect(f["gossling"] == "name" && f["asa"] == "name")
        #expect(f["private"] == nil && f["person"] == nil && f["acme"] == nil)
        #expect(f["vendorkept77"] == "id", "a standard attribute inside a private sequence is a source")
        #expect(f["anonymized"] == nil && f["anonymous"] == nil)
    }

    @Test func aSequenceThatArrivedAsUNIsRead() throws {
        let item = DataSet([E.element("PatientID", "HIDDEN7788990")])
        let encoded = try DataSetEncoder(explicitVR: false).encode(DataSet([DataElement(sequence: E.element("OtherPatientIDsSequence", "").tag, items: [item])]))
        // The value of the sequence: its items, between the tag and length and the delimiter.
        let value = Array(encoded[8..<(encoded.count - 8)])
        let f = Self.forms(DataElement(tag: E.element("OtherPatientIDsSequence", "").tag, vr: .UN, bytes: value))
        #expect(f["hidden7788990"] == "id" && f["7788990"] == "id")
    }

    @Test func countsAreByKindAndSayNothingOfTheValues() {
        let values = IdentifyingValues(original: CleanerFixture.original, options: DeidentificationSettings.defaultOptions)
        let counts = values.countsByKind
        #expect(counts["name"] != nil && counts["id"] != nil && counts["uid"] == 2)
        #expect(!values.isEmpty)
        #expect(IdentifyingValues(original: DataSet(), options: []).isEmpty)
    }
}

extension IdentifyingValuesTests {
    /// The order kinds are preferred in is the order they are declared (the spec's order).
    @Test func kindsArePreferredInTheSpecsOrder() {
        #expect(IdentifyingKind.allCases.map(\.priority) == Array(0..<IdentifyingKind.allCases.count))
        #expect(IdentifyingKind.allCases.map(\.rawValue) == ["name", "id", "birthdate", "otherdate", "contact", "place", "device", "uid",
                                                            "pattern:date", "pattern:digits", "pattern:phone", "pattern:email", "pattern:url"])
    }
}
