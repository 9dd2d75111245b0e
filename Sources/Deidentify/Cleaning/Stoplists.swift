/// Generic words that are not needles although they are words of an address or of a place's
/// name (matching spec 1.4 and 1.5): they name no one, and as needles they would strip
/// ordinary text. Folded forms (lower case, no diacritics, `ß` as `ss`). Only words long
/// enough to be needles matter: 4 letters or more for addresses, 6 or more for places.
enum Stoplists {
    static let address: Set<String> = [
        // English
        "street", "road", "avenue", "lane", "drive", "court", "place", "square", "suite", "floor", "apartment",
        "building", "bldg", "north", "south", "east", "west", "city", "state", "states", "county", "country",
        "boulevard", "blvd", "highway", "hwy", "parkway", "pkwy", "terrace", "circle", "plaza", "trail", "route",
        "unit", "room", "post", "office", "box", "united", "kingdom", "republic", "federal", "district",
        "province", "region", "township", "village", "town", "center", "centre", "upper", "lower",
        // German, French, Spanish, Italian, Dutch
        "strasse", "str", "gasse", "platz", "allee", "weg", "chaussee", "stock", "etage", "rue", "chemin",
        "quai", "impasse", "calle", "avenida", "carrera", "piso", "via", "viale", "piazza",
        "corso", "straat", "laan", "plein",
        // what telecom values hold besides the number
        "mailto", "http", "https", "mail", "email", "phone", "telephone", "home", "work", "mobile", "cell",
        "fax", "number", "contact", "extension",
    ]

    static let institution: Set<String> = [
        "hospital", "hospitals", "medical", "medicine", "center", "centre", "centers", "centres", "clinic",
        "clinics", "clinical", "clinique", "klinik", "klinikum", "kliniken", "university", "universitat",
        "universite", "universidad", "universita", "college", "school", "general", "memorial", "regional",
        "community", "children", "childrens", "department", "radiology", "radiologie", "imaging", "health",
        "healthcare", "institute", "institut", "instituto", "foundation", "national", "international",
        "service", "services", "system", "systems", "diagnostic", "diagnostics", "sciences", "science",
        "research", "nursing", "emergency", "outpatient", "inpatient", "hospice", "surgery", "surgical",
        "cancer", "oncology", "cardiology", "neurology", "orthopedic", "orthopaedic", "orthopedics",
        "pediatric", "paediatric", "pediatrics", "maternity", "rehabilitation", "mental", "behavioral",
        "behavioural", "county", "district", "central", "academic", "teaching", "veterans", "affairs",
        "military", "network", "partners", "associates", "private", "public", "office", "practice",
        "physicians", "specialty", "specialists", "radiologists", "nuclear", "molecular", "laboratory",
        "laboratories", "scanning", "ultrasound", "tomography", "resonance", "magnetic", "division",
        "section", "krankenhaus", "spital", "hopital", "ospedale", "ziekenhuis", "praxis", "zentrum",
        "universitatsklinikum", "medizinisches", "radiologische", "departement", "unidad",
        "centro", "hospitalier", "universitaire", "universitario", "policlinico", "poliklinik",
        "hospitalar", "saude", "salud", "sante", "gesundheit",
    ]
}
