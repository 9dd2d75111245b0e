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

    /// Titles of a person name's prefix and suffix components: not needles (`MR` would strip
    /// every MR study's description).
    static let titles: Set<String> = [
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "rev", "fr", "sr", "jr", "ii",
        "iii", "iv", "md", "phd", "dds", "rn", "esq", "herr", "frau", "fraulein", "dipl", "ing", "med", "mag",
        "mme", "mlle", "m", "sra", "srta", "don", "dona", "sig", "sigra", "dhr", "mevr", "hr", "fru", "von",
    ]

    /// A prefix or suffix component (folded) with its title words dropped.
    static func withoutTitles(_ c: [UInt8]) -> [UInt8] {
        let words = c.split(whereSeparator: { $0 == 0x20 || $0 == 0x2E || $0 == 0x2C })
        let kept = words.filter { !titles.contains(String(decoding: $0, as: UTF8.self)) }
        if kept.count == words.count { return c }
        return Array(kept.joined(separator: [0x20]))
    }
}
