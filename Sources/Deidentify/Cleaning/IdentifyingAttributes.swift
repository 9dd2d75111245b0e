import DICOMCore

/// Which attributes of the original are sources of identifying values, and of what kind
/// (matching spec 1). The lists are explicit keywords, looked up in the data dictionary once;
/// IdentifyingValuesTests checks that every one exists, so a typo cannot silently drop a
/// source. Beyond the lists: every attribute whose dictionary VR is PN is a name, every other
/// DA and DT an `otherdate`, every UI a `uid`.
enum IdentifyingAttributes {
    /// Not PN in the dictionary, but a person's name all the same.
    static let names = ["ContactDisplayName", "TopicAuthor", "NameToUse", "CameraOwnerName"]

    /// Identifiers of a person, a visit, an order, a study, a specimen.
    static let ids = [
        "PatientID", "OtherPatientIDs", "AccessionNumber", "StudyID", "AdmissionID", "MedicalRecordLocator",
        "ServiceEpisodeID", "PlacerOrderNumberImagingServiceRequest", "FillerOrderNumberImagingServiceRequest",
        "PlacerOrderNumberImagingServiceRequestRetired", "FillerOrderNumberImagingServiceRequestRetired",
        "PlacerOrderNumberProcedure", "FillerOrderNumberProcedure", "RequestedProcedureID",
        "ScheduledProcedureStepID", "PerformedProcedureStepID", "HL7InstanceIdentifier", "OwnerID",
        "ClinicalTrialSubjectID", "ClinicalTrialSubjectReadingID", "InsurancePlanIdentification",
        "SpecimenAccessionNumber", "SpecimenIdentifier", "ContainerIdentifier", "SlideIdentifier",
        "BarcodeValue", "ResultsID", "InterpretationID",
    ]

    static let birthDates = [
        "PatientBirthDate", "PatientBirthDateInAlternativeCalendar", "PatientDeathDateInAlternativeCalendar",
    ]

    /// Addresses, telephone numbers, telecom URIs, residence.
    static let contacts = [
        "PatientAddress", "PatientTelephoneNumbers", "PatientTelecomInformation",
        "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
        "PersonAddress", "PersonTelephoneNumbers", "PersonTelecomInformation",
        "OrderCallbackPhoneNumber", "OrderCallbackTelecomInformation", "ContactURI",
        "RegionOfResidence", "CountryOfResidence", "AddressTrial", "TelephoneNumberTrial",
    ]

    /// Institutions, departments, locations, issuers of identifiers, organisations.
    static let places = [
        "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName",
        "IssuerOfPatientID", "IssuerOfAdmissionID", "IssuerOfServiceEpisodeID", "StudyIDIssuer",
        "ResultsIDIssuer", "InterpretationIDIssuer", "LocalNamespaceEntityID", "UniversalEntityID",
        "PerformedLocation", "ScheduledProcedureStepLocation", "ScheduledStudyLocation",
        "RequestedProcedureLocation", "CurrentPatientLocation", "PatientInstitutionResidence",
        "ScheduledPatientInstitutionResidence", "OrderEntererLocation",
        "ResponsibleOrganization", "VerifyingOrganization", "HumanPerformerOrganization",
        "ClinicalTrialSiteID", "ClinicalTrialSiteName", "ClinicalTrialCoordinatingCenterName",
        "ClinicalTrialProtocolEthicsCommitteeName", "SourceOfPreviousValues",
    ]

    /// The places that Retain Institution Identity keeps (its column of Table E.1-1 says K):
    /// not collected under that option, or the engine would empty what it keeps on purpose.
    static let institutionPlaces: Set<String> = [
        "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "ClinicalTrialSiteID",
        "ClinicalTrialSiteName", "ClinicalTrialCoordinatingCenterName", "ClinicalTrialProtocolEthicsCommitteeName",
        "SourceOfPreviousValues",
    ]

    /// The places that Retain Device Identity keeps (its column says K).
    static let devicePlaces: Set<String> = ["ScheduledProcedureStepLocation", "ScheduledStudyLocation"]

    /// Stations, serial numbers and identifiers of equipment, AE titles.
    static let devices = [
        "StationName", "ScheduledStationName", "PerformedStationName", "DeviceSerialNumber", "DetectorID",
        "DeviceID", "GantryID", "PlateID", "CassetteID", "GeneratorID", "SecondaryCaptureDeviceID",
        "HardcopyCreationDeviceID", "XRaySourceID", "XRayDetectorID", "XRayDetectorLabel", "ModifyingDeviceID",
        "SourceSerialNumber", "TreatmentMachineName", "DeviceLabel", "ManufacturerDeviceIdentifier",
        "UniqueDeviceIdentifier", "LensSerialNumber", "StationAETitle", "RetrieveAETitle",
        "ScheduledStationAETitle", "PerformedStationAETitle", "ScheduledStudyLocationAETitle",
    ]

    /// UI attributes whose values are kept on purpose and name no instance: coding schemes
    /// and mapping resources. Any attribute whose keyword ends in `ClassUID` or
    /// `TransferSyntaxUID` is a class too.
    static let classUIDs: Set<String> = [
        "CodingSchemeUID", "ContextUID", "MappingResourceUID", "ContextGroupExtensionCreatorUID",
    ]

    /// Attributes holding codes, whose digits are the code (a SNOMED or DCM code value, a
    /// coding scheme's version): the cleaner removes needles from them, not patterns.
    static let codes = [
        "CodeValue", "LongCodeValue", "URNCodeValue", "CodingSchemeDesignator", "CodingSchemeVersion",
        "ContextIdentifier", "ContextGroupVersion", "MappingResource",
    ]

    static let codeTags: [UInt32] = codes.compactMap { DataDictionary.entry(forKeyword: $0)?.tag.rawValue }

    /// What a source attribute gives; `institution` and `device` say which option withholds it.
    struct Source: Sendable {
        let kind: IdentifyingKind
        var institution = false
        var device = false
    }

    /// Every listed keyword's tag and what it gives, built once from the dictionary: tags in
    /// ascending order, searched by halves (cheaper than hashing, per element of every file).
    static let sources: (tags: [UInt32], sources: [Source]) = {
        var table: [UInt32: Source] = [:]
        func add(_ keywords: [String], _ kind: IdentifyingKind) {
            for k in keywords {
                guard let entry = DataDictionary.entry(forKeyword: k) else { continue }
                table[entry.tag.rawValue] = Source(kind: kind, institution: institutionPlaces.contains(k),
                                                   device: kind == .device || devicePlaces.contains(k))
            }
        }
        add(names, .name); add(ids, .id); add(birthDates, .birthdate); add(contacts, .contact)
        add(places, .place); add(devices, .device)
        let sorted = table.sorted { $0.key < $1.key }
        return (sorted.map(\.key), sorted.map(\.value))
    }()

    static func source(of tag: Tag) -> Source? {
        let (tags, sources) = IdentifyingAttributes.sources
        var lo = 0, hi = tags.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if tags[mid] < tag.rawValue { lo = mid + 1 } else { hi = mid }
        }
        return lo < tags.count && tags[lo] == tag.rawValue ? sources[lo] : nil
    }

    /// Every keyword listed, for the test that they all exist.
    static var allKeywords: [String] {
        names + ids + birthDates + contacts + places + devices + codes + Array(classUIDs) + Array(institutionPlaces) + Array(devicePlaces)
    }

    /// Every attribute whose dictionary VR is PN, DA, DT or UI (the sources beyond the lists),
    /// in ascending tag order with its VR, found once in the dictionary; none is a repeating
    /// group (IdentifyingValuesTests checks).
    static let textSources: (tags: [UInt32], vrs: [VR]) = {
        let entries = DataDictionary.allEntries.filter { !$0.isRepeatingGroup && [.PN, .DA, .DT, .UI].contains($0.vr) }
            .sorted { $0.tag < $1.tag }
        return (entries.map(\.tag.rawValue), entries.map(\.vr))
    }()

    /// PN, DA, DT or UI if the dictionary gives `tag` that VR; else nil. An element whose
    /// tag the dictionary does not know counts by its own VR.
    static func dictionaryVR(of tag: Tag, elementVR: VR) -> VR? {
        let (tags, vrs) = textSources
        var lo = 0, hi = tags.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if tags[mid] < tag.rawValue { lo = mid + 1 } else { hi = mid }
        }
        if lo < tags.count && tags[lo] == tag.rawValue { return vrs[lo] }
        switch elementVR {
        case .PN, .DA, .DT, .UI: return DataDictionary.entry(for: tag) == nil ? elementVR : nil
        default: return nil
        }
    }

    /// The UI attributes that hold classes (see `classUIDs`), found once in the dictionary.
    static let classTags: Set<UInt32> = {
        var tags = Set<UInt32>()
        for entry in DataDictionary.allEntries where entry.vr == .UI && !entry.isRepeatingGroup {
            let k = entry.keyword
            if classUIDs.contains(k) || k.hasSuffix("ClassUID") || k.hasSuffix("TransferSyntaxUID") { tags.insert(entry.tag.rawValue) }
        }
        return tags
    }()

    static func holdsClassUID(_ tag: Tag) -> Bool { classTags.contains(tag.rawValue) }
}
