import DICOMCore

/// The gate's own lists (matching spec 1): which attributes of the original hold which kind of
/// identifying value, and the generic words that name no one. Kept apart from Table E.1-1 and
/// from the engine's lists on purpose. Every attribute whose dictionary VR is PN is a name too.
enum GateKeywords {
    /// Coded values besides CS: a code's value, designator and version, context identifiers.
    /// A short name part is not searched in these, nor in CS values (spec 4's coded-value rule).
    static let codeAttributes: Set<Tag> = Set([
        "CodeValue", "LongCodeValue", "URNCodeValue", "CodingSchemeDesignator", "CodingSchemeVersion",
        "ContextIdentifier", "ContextGroupVersion", "MappingResource",
    ].compactMap { DataDictionary.entry(forKeyword: $0)?.tag })

    /// Names that are not PN in the dictionary.
    static let names: Set<String> = ["ContactDisplayName", "TopicAuthor"]

    /// Identifiers of a person, a visit, an order, a study or a specimen taken from the patient.
    static let ids: Set<String> = [
        "PatientID", "OtherPatientIDs", "AccessionNumber", "StudyID", "AdmissionID", "MedicalRecordLocator",
        "ServiceEpisodeID", "PlacerOrderNumberImagingServiceRequest", "PlacerOrderNumberImagingServiceRequestRetired",
        "FillerOrderNumberImagingServiceRequest", "FillerOrderNumberImagingServiceRequestRetired",
        "PlacerOrderNumberProcedure", "FillerOrderNumberProcedure", "RequestedProcedureID", "ScheduledProcedureStepID",
        "PerformedProcedureStepID", "HL7InstanceIdentifier", "OwnerID", "ClinicalTrialSubjectID",
        "ClinicalTrialSubjectReadingID", "InsurancePlanIdentification", "SpecimenAccessionNumber", "SpecimenIdentifier",
        "ContainerIdentifier", "ResultsID", "InterpretationID", "BoardingPassID", "ItineraryID",
    ]

    static let birthDates: Set<String> = [
        "PatientBirthDate", "PatientBirthDateInAlternativeCalendar", "PatientDeathDateInAlternativeCalendar",
    ]

    /// Postal addresses and places of residence: their words and postal codes are needles.
    static let addresses: Set<String> = [
        "PatientAddress", "ReferringPhysicianAddress", "PersonAddress", "RegionOfResidence", "CountryOfResidence",
    ]
    /// Telephone numbers and telecom addresses: their digits are needles.
    static let telephones: Set<String> = [
        "PatientTelephoneNumbers", "PatientTelecomInformation", "ReferringPhysicianTelephoneNumbers",
        "PersonTelephoneNumbers", "PersonTelecomInformation", "OrderCallbackPhoneNumber",
        "OrderCallbackTelecomInformation", "ContactURI",
    ]

    /// The institution: not searched for under retain-institution-identity.
    static let institutions: Set<String> = ["InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName"]
    /// Other places and issuers (the issuers' local names name the institution whatever the option).
    static let places: Set<String> = [
        "IssuerOfPatientID", "IssuerOfAdmissionID", "IssuerOfServiceEpisodeID", "StudyIDIssuer",
        "LocalNamespaceEntityID", "UniversalEntityID", "PerformedLocation", "ScheduledProcedureStepLocation",
        "ScheduledStudyLocation", "RequestedProcedureLocation", "OrderEntererLocation", "CurrentPatientLocation",
        "PatientInstitutionResidence", "ScheduledPatientInstitutionResidence", "ResponsibleOrganization",
        "IssuerOfClinicalTrialSubjectID", "IssuerOfClinicalTrialSubjectReadingID",
    ]

    /// Devices: not searched for under retain-device-identity.
    static let devices: Set<String> = [
        "StationName", "ScheduledStationName", "PerformedStationName", "DeviceSerialNumber", "DetectorID", "DeviceID",
        "GantryID", "PlateID", "CassetteID", "GeneratorID", "XRayDetectorID", "XRaySourceID", "SecondaryCaptureDeviceID",
        "HardcopyCreationDeviceID", "ModifyingDeviceID", "SourceSerialNumber", "LensSerialNumber", "DeviceLabel",
        "ScheduledStationAETitle", "PerformedStationAETitle", "ScheduledStudyLocationAETitle", "StationAETitle",
    ]

    /// UIDs these attributes hold name kinds of things (classes, syntaxes, coding schemes): the
    /// engine keeps them, and they are not needles.
    static let classUIDParts: [String] = [
        "ClassUID", "TransferSyntaxUID", "CodingSchemeUID", "MappingResourceUID", "ContextGroupExtensionCreatorUID",
    ]

    /// The keyword ends with one of `classUIDParts` (or with one and `InFile`, as in DICOMDIR).
    static func isClassUID(_ keyword: String) -> Bool {
        classUIDParts.contains { keyword.hasSuffix($0) || keyword.hasSuffix($0 + "InFile") }
    }

    /// Words of an address that name no one (folded).
    static let addressStoplist: Set<String> = [
        "street", "road", "avenue", "lane", "drive", "court", "place", "square", "suite", "floor", "apartment",
        "building", "north", "south", "east", "west", "city", "state", "county", "country", "blvd", "boulevard",
        "highway", "terrace", "parkway", "circle", "unit", "room", "box", "road", "strasse", "platz", "allee", "gasse",
        "calle", "avenida", "plaza", "rue", "chemin", "bldg", "apt", "ste", "flr", "hwy", "pkwy", "ave", "lane",
        "united", "states", "kingdom", "republic", "america", "province", "district", "region", "postal", "code",
        "mailto", "http", "https", "home", "work", "mobile", "phone", "telephone", "email", "fax",
    ]

    /// Words of an institution's name that name no one (folded; words under 6 letters never count).
    static let institutionStoplist: Set<String> = [
        "hospital", "hospitals", "medical", "medicine", "center", "centre", "centers", "centres", "clinic", "clinics",
        "clinical", "university", "universitat", "universitaet", "general", "memorial", "regional", "community",
        "children", "childrens", "department", "radiology", "imaging", "health", "healthcare", "institute",
        "foundation", "national", "international", "services", "service", "systems", "system", "diagnostic",
        "diagnostics", "sciences", "science", "research", "nursing", "emergency", "outpatient", "inpatient",
        "surgery", "surgical", "cardiology", "oncology", "neurology", "pediatric", "pediatrics", "paediatric",
        "orthopedic", "orthopaedic", "rehabilitation", "academic", "college", "school", "faculty", "klinikum",
        "krankenhaus", "hopital", "ospedale", "district", "central", "veterans", "affairs", "network", "partners",
        "associates", "practice", "private", "public", "campus", "pavilion", "division", "section", "laboratory",
        "laboratories", "therapy", "screening", "cancer", "mental", "maternity", "specialist", "specialty",
        "teaching", "limited", "company", "corporation", "incorporated", "county", "nuclear", "medizin",
        "radiologie", "abteilung", "universite", "universidad", "hospitalier", "united", "kingdom", "states",
    ]

    /// What each listed attribute holds, by tag (made once from the lists above).
    enum Holds: Sendable { case name, id, birthDate, address, telephone, institution, place, device }

    static let byTag: [Tag: (keyword: String, holds: Holds)] = {
        var out: [Tag: (keyword: String, holds: Holds)] = [:]
        let lists: [(Set<String>, Holds)] = [(names, .name), (ids, .id), (birthDates, .birthDate), (addresses, .address),
                                             (telephones, .telephone), (institutions, .institution), (places, .place), (devices, .device)]
        for (list, holds) in lists {
            for k in list {
                if let e = DataDictionary.entry(forKeyword: k) { out[e.tag] = (k, holds) }
            }
        }
        return out
    }()

    /// English month names (folded) for birth date forms.
    static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                         "october", "november", "december"]

    /// Values sendit writes itself as dummies (folded): never needles (spec 1).
    static let dummies: [String] = ["anonymized", "anonymous", "19000101", "19000101000000", "000000"]

    /// One of `dummies` (compared without hashing: it is asked of every form).
    static func isDummy(_ s: String) -> Bool {
        let n = s.utf8.count
        guard n == 6 || n == 8 || n == 9 || n == 10 || n == 14 else { return false }
        return dummies.contains(s)
    }

    /// Titles in a person name's prefix and suffix: no needles.
    static let titles: Set<String> = [
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "rev", "fr", "sr", "jr", "ii",
        "iii", "iv", "md", "phd", "dds", "rn", "esq", "herr", "frau", "fraulein", "dipl", "ing", "med", "mag",
        "mme", "mlle", "m", "sra", "srta", "don", "dona", "sig", "sigra", "dhr", "mevr", "hr", "fru", "von",
    ]

    /// A prefix or suffix (folded) without its titles.
    static func withoutTitles(_ c: String) -> String {
        let words = c.split(whereSeparator: { $0 == " " || $0 == "." || $0 == "," })
        let kept = words.filter { !titles.contains(String($0)) }
        return kept.count == words.count ? c : kept.joined(separator: " ")
    }
}
