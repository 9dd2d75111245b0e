"""Synthetic identities for the attack corpus: one per file, distinctive, deterministic.

Identity 0 is the product owner's example (GROSSKOPF^HANNELORE^MARIA, MRN4410527, born
1958-11-04 ...). Identity i varies every value with i, so a value found in an output names the
file it was planted in. Every name, number and place is made up; the telephone numbers are in
the 555-01xx range reserved for fiction.
"""
import dataclasses
import datetime

from forms import forms_of

FAMILIES = [
    "GROSSKOPF", "WINTERBOTTOM", "QUACKENBUSH", "BRANDSTAETTER", "OBERHOLZER", "VANDERPLOEG",
    "FEATHERSTONE", "KALTENBRUNNER", "ZWIEBELHOFER", "LINDQVIST", "PETTIGREW", "HOLLINGWORTH",
    "SCHWARZENEGG", "DUNWOODY", "MACGILLIVRAY", "ROSENKRANTZ", "WOLFSTETTER", "ABERNATHY",
    "THISTLEWAITE", "KIRKPATRICKS", "HUNSINGER", "BLACKWOODE", "FITZWILLIAMS", "OSTERHAGEN",
    "DRUMMONDSON", "HALVORSEN", "PENDLEBURY", "STRUTHERSON", "WEXLERMANN", "YARBOROUGH",
    "MONTGOMERIE", "TROUTBECK", "GALLOWGLASS", "BUCKMINSTER", "ELLSWORTHY", "FAIRWEATHER",
    "GRIMSDOTTIR", "HAVERSTOCK", "IRONMONGER", "JOLLIFFE", "KNATCHBULL", "LOCKSTEDTER",
    "MERRIWETHER", "NETHERCOTT", "OAKENSHIELD", "PRZYBYLSKI", "QUARTERMAINE", "RAVENSCROFT",
    "SHACKLEFORD", "TWEEDSMUIR", "UNDERHILLS", "VOSSBERGEN", "WHITTLESEY", "XAVERIUSZ",
    "YELLOWLEES", "ZOLLIKOFER", "ASHBOURNE", "BELLINGHAUS", "CRUICKSHANK", "DEVEREAUX",
]
GIVENS = [
    "HANNELORE", "BARNABY", "PRISCILLA", "WENDELIN", "ROSWITHA", "CORNELIUS", "GWENDOLYN",
    "LEOPOLDINE", "AMBROSIUS", "OTTILIE", "BALTHASAR", "MECHTHILD", "FLORENTIN", "HILDEGUND",
    "EBERHARDT", "KUNIGUNDE", "THADDEUS", "WALPURGA", "CASIMIR", "RADEGUNDE", "SIGISMUND",
    "ELFRIEDE", "ZACHARIAS", "BRUNHILDE", "ISIDORUS", "WILTRUDIS", "GODEHARD", "JOLANTHE",
    "LAURENTIUS", "IRMTRAUD", "PANKRATIUS",
]
MIDDLES = ["MARIA", "THEODORA", "AUGUSTIN", "BENEDIKTA", "CLEMENTINE", "DOROTHEA", "EUGENIA"]
STREETS = ["Evergreen", "Hollyhock", "Marigold", "Juniperus", "Larkspur", "Wisteria",
           "Bramblewood", "Foxglove", "Sweetbriar", "Thornapple", "Moonseed"]
STREET_TYPES = ["Terrace", "Lane", "Street", "Avenue", "Court"]
TOWNS = ["Shelbyville", "Ogdenville", "Brockwayton", "Haverbrook", "Springfieldia",
         "Cypress Creekton", "Waverly Hillsboro", "Dunmoreton", "Kettlewick", "Ashcombe Vale"]
STAFF = ["KRAUTHEIMER^OSWALD", "LINDENBERGER^BIRGITTA", "OFFENBACHER^RUPRECHT",
         "SCHOENBRUNN^WALTRAUD", "HEIDELMANN^KONSTANTIN", "FALKENRATH^ADELGUNDE",
         "MOOSBRUGGER^VALENTIN", "ZIMMERSTEIN^GUNDULA", "RECKLINGHAUS^TIBURTIUS",
         "WASSERMEYER^ROTRAUD", "GLOCKENSPIEL^ERASMUS"]


@dataclasses.dataclass
class Identity:
    index: int
    patient_name: str
    family: str
    given: str
    mrn: str
    issuer: str
    other_pid: str
    birth_date: str
    sex: str
    phone: str
    address: str
    street_word: str
    town: str
    email: str
    accession: str
    study_date: str
    study_time: str
    institution: str
    institution_address: str
    department: str
    referring: str
    operator: str
    performing: str
    employee: str
    station: str
    serial: str
    study_id: str
    order_number: str
    requested_procedure_id: str

    def planted(self):
        """The clear values of the identifying attributes: (attribute, kind, value)."""
        return [
            ("PatientName", "name", self.patient_name),
            ("PatientID", "id", self.mrn),
            ("OtherPatientIDs", "id", self.other_pid),
            ("PatientBirthDate", "date", self.birth_date),
            ("PatientTelephoneNumbers", "phone", self.phone),
            ("PatientAddress", "address", self.address),
            ("PatientAddress street", "word", self.street_word),
            ("PatientAddress town", "word", self.town),
            ("email", "email", self.email),
            ("AccessionNumber", "id", self.accession),
            ("StudyDate", "date", self.study_date),
            ("InstitutionName", "text", self.institution),
            ("InstitutionAddress", "address", self.institution_address),
            ("InstitutionalDepartmentName", "text", self.department),
            ("ReferringPhysicianName", "name", self.referring),
            ("OperatorsName", "name", self.operator),
            ("PerformingPhysicianName", "name", self.performing),
            ("employee number", "id", self.employee),
            ("StationName", "text", self.station),
            ("DeviceSerialNumber", "id", self.serial),
            ("StudyID", "id", self.study_id),
            ("order number", "id", self.order_number),
            ("RequestedProcedureID", "id", self.requested_procedure_id),
        ]

    def needles(self):
        out = set()
        for attr, kind, value in self.planted():
            out |= forms_of(attr, kind, value)
        return out


def identity(i):
    fam = FAMILIES[i % len(FAMILIES)]
    giv = GIVENS[(i * 7) % len(GIVENS)]
    mid = MIDDLES[i % len(MIDDLES)]
    street = STREETS[i % len(STREETS)]
    town = TOWNS[i % len(TOWNS)]
    stype = STREET_TYPES[i % len(STREET_TYPES)]
    first = datetime.date(1935, 1, 1)                 # births 1935..2003, identity 0 on 1958-11-04
    birth = first + datetime.timedelta(days=((datetime.date(1958, 11, 4) - first).days + 397 * i) % 25000)
    study = datetime.date(2024, 3, 15) + datetime.timedelta(days=3 * i)
    area = [650, 408, 415, 510, 707, 916, 831][i // 100 % 7]
    staff = lambda k: STAFF[(i + k) % len(STAFF)]
    town_word = town.split()[0]
    return Identity(
        index=i,
        patient_name=f"{fam}^{giv}^{mid}",
        family=fam, given=giv,
        mrn=f"MRN{4410527 + 1031 * i}",
        issuer=f"{town_word.upper()} MRN",
        other_pid=f"OPI{5502871 + 733 * i}",
        birth_date=birth.strftime("%Y%m%d"),
        sex="F" if i % 2 == 0 else "M",
        phone=f"+1 ({area}) 555-01{(42 + i) % 100:02d}",
        address=f"{742 + i} {street} {stype}, {town}",
        street_word=street, town=town_word,
        email=f"{giv[0].lower()}.{fam.lower()}@example.org",
        accession=f"ACC{7730019 + 977 * i}",
        study_date=study.strftime("%Y%m%d"),
        study_time="093015",
        institution=f"{town_word} Memorial Hospital",
        institution_address=f"{1 + i} Infirmary Drive, {town}",
        department=f"{town_word} Radiology",
        referring=staff(0), operator=staff(3), performing=staff(6),
        employee=f"EMP{2044173 + 89 * i}",
        station=f"{town_word[:5].upper()}CT{i:03d}",
        serial=f"SN{88213 + 17 * i}XK",
        study_id=f"SID{3300171 + 13 * i}",
        order_number=f"PO{6601833 + 41 * i}",
        requested_procedure_id=f"RP{9120455 + 29 * i}",
    )
