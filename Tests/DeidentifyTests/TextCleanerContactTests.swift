import DICOMCore
@testable import Deidentify
import Testing

/// Telephone numbers, addresses, e-mail and URIs (matching spec 1.4 and 2.3), and identifiers
/// written another way (1.2).
@Suite struct TextCleanerContactTests {
    typealias E = CleanerFixture
    let c = CleanerFixture.cleaner()

    @Test func aTelephoneNumberWrittenAnyWay() {
        for text in ["6505550142", "555 0142", "650.555.0142", "(650) 555-0142", "+1 650 555 0142", "+16505550142", "1-650-555-0142",
                     "650 - 555 - 0142", "650/555-0142", "555-0142"] {
            #expect(E.clean(text, c) == "", "\(text)")
            #expect(E.clean("call \(text) today", vr: .CS, c) == "call today", "\(text) in a code string (no patterns)")
        }
        #expect(E.clean("Tel. 555-0142, ext 3", c) == "Tel. , ext 3")
    }

    @Test func aTelephoneNumberIsNotFoundInsideALongerNumber() {
        #expect(c.clean(["1.2.6505550142.1"], vr: .UI) == nil)
        #expect(c.clean(["65055501423"], vr: .CS) == nil)
        #expect(c.clean(["0.5550142"], vr: .CS) == nil)
        #expect(c.clean(["5550142.5"], vr: .CS) == nil)
    }

    @Test func anAddressByItsWordsAndPostalCode() {
        #expect(E.clean("Evergreen", c) == "")
        #expect(E.clean("EVERGREEN TERRACE", c) == "TERRACE")
        #expect(E.clean("lives in Springfield OR 97475", vr: .CS, c) == "lives in OR")
        #expect(E.clean("742 Main", vr: .CS, c) == "742 Main")
        #expect(E.clean("Terrace Street Place", c) == "Terrace Street Place")
    }

    @Test func identifiersWithAndWithoutSeparators() {
        #expect(E.clean("MRN 4410527", c) == "MRN")
        #expect(E.clean("MRN4410527", vr: .CS, c) == "")
        #expect(E.clean("mrn-441-0527", vr: .CS, c) == "mrn-", "the digit view across separators")
        #expect(E.clean("441 0527", vr: .CS, c) == "")
        #expect(E.clean("ACC 99887766", vr: .CS, c) == "ACC")
        #expect(E.clean("Study 4410", vr: .CS, c) == "Study 4410", "a 4-digit StudyID is no needle")
        let dashed = TextCleaner(IdentifyingValues(original: DataSet([E.element("PatientID", "MRN-441-0527")]), options: []))
        #expect(E.clean("MRN4410527", vr: .CS, dashed) == "")
        #expect(E.clean("mrn 441-0527", vr: .CS, dashed) == "mrn")
    }

    @Test func eMailAndURIs() {
        #expect(E.clean("chunkylover53@example.org", c) == "")
        #expect(E.clean("from CHUNKYLOVER53 at work", vr: .CS, c) == "from at work")
        #expect(E.clean("mailto:chunkylover53@example.org", vr: .CS, c) == "")
        #expect(E.clean("write to dr.nick@riviera.example please", c) == "write to please")
        #expect(E.clean("see https://portal.example.org/p?id=1 now", c) == "see now")
        #expect(E.clean("see www.example.org/x, then", c) == "see , then")
        #expect(E.clean("tel:+14155550188", c) == "")
        #expect(E.clean("sip:moe@tavern.example", c) == "")
        #expect(E.clean("hotel: 5 stars", c) == "hotel: 5 stars")
        #expect(E.clean("ratio 1:2, see: above", c) == "ratio 1:2, see: above")
        #expect(E.clean("https://x.example", vr: .UR, c) == "")
    }
}
