import DICOMCore
@testable import Deidentify
import Foundation
import Testing

/// The gate's folding (spec 2.1), its forms (spec 1) and its digit view (spec 2.3), on their own.
@Suite struct PHIGateFoldingTests {
    static let samples: [String] = [
        "", "DOE^JOHN", "Müller", "MÜLLER", "Mu\u{308}ller", "Großkopf", "GROẞKOPF", "ＳＩＭＰＳＯＮ", "ﬁne", "Sim\u{AD}pson",
        "Sim\u{200B}p\u{2060}son\u{FEFF}", "e\u{301}", "E\u{301}\u{302}", "Çelik^Ayşe", "İstanbul", "ΟΔΟΣ", "Ærø", "ǄEMAL",
        "ﾔﾏﾀﾞ ﾀﾛｳ", "山田^太郎", "やまだ^たろう", "\u{1100}\u{1161}\u{11A8}", "홍길동", "Nguyễn Văn A", "½ ¼", "\u{FFFD}x",
        "a\u{301}\u{FFFD}\u{308}", "Đorđević", "Łukasz Żółć", "Øster", "x\u{FE0F}y", "ß\u{308}", "Ü\u{301}ber", "١٢٣",
        "Владимир", "Straße 12", "\u{00A0}Café\u{00A0}",
    ]

    @Test func segmentFoldingAnswersAsTheWholePipeline() {
        for s in PHIGateFoldingTests.samples {
            let folded = GateFolding.fold(s)
            let (plain, umlaut) = GateFolding.pipeline(s)
            #expect(folded.text == Array(plain.utf8), "\(s.debugDescription): \(String(decoding: folded.text, as: UTF8.self)) vs \(plain)")
            #expect(folded.umlautForm == umlaut.map { Array($0.utf8) }, "\(s.debugDescription)")
        }
    }

    @Test func foldingFollowsSpec21() {
        func f(_ s: String) -> String { String(decoding: GateFolding.fold(s).text, as: UTF8.self) }
        #expect(f("MÜLLER") == "muller")
        #expect(GateFolding.fold("Müller").umlautForm == Array("mueller".utf8))
        #expect(f("Großkopf") == "grosskopf")
        #expect(f("ＳＩＭＰＳＯＮ") == "simpson")
        #expect(f("Sim\u{AD}pson") == "simpson")
        #expect(f("Çelik") == "celik")
        #expect(f("DOE^JOHN") == "doe^john")
        #expect(GateFolding.fold("DOE^JOHN").umlautForm == nil)
        // Latin-1 bytes through the table: the same as decoding then folding.
        let latin1: [UInt8] = [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0xAD, 0xDF]
        let viaTable = latin1.withUnsafeBytes { GateFolding.fold(latin1: $0) }
        let decoded = String(latin1.map { Character(Unicode.Scalar($0)) })
        #expect(viaTable.text == GateFolding.fold(decoded).text && viaTable.umlautForm == GateFolding.fold(decoded).umlautForm)
    }

    @Test func nameFormsAreTheGroupsComponentsWordsAndBothOrders() {
        let forms = Set(GateNeedleForms.name("van der berg^anna maria^j^dr^phd").text)
        for expected in ["van der berg^anna maria^j^dr^phd", "van der berg", "anna maria", "van", "der", "berg", "anna", "maria",
                         "van der berganna maria", "anna mariavan der berg", "vanderbergannamaria", "annamariavanderberg"] {
            #expect(forms.contains(expected), "\(expected)")
        }
        #expect(!forms.contains("dr") && !forms.contains("phd") && !forms.contains("j"))
        #expect(Set(GateNeedleForms.name("homer j simpson").text) == ["homer j simpson", "homer", "simpson"])
        #expect(Set(GateNeedleForms.name("山田^太郎").text).isSuperset(of: ["山田", "太郎", "山田太郎", "太郎山田"]))
    }

    @Test func identifierFormsAndDigitRuns() {
        let f = GateNeedleForms.identifier("mr-4455-6677")
        #expect(Set(f.text) == ["mr-4455-6677", "mr44556677"])
        #expect(f.digits == ["44556677"])
        #expect(GateNeedleForms.identifier("12345").text.isEmpty)   // digits only: 6 or more
        #expect(GateNeedleForms.identifier("ab").text.isEmpty)
        #expect(GateNeedleForms.identifier("123456").digits == ["123456"])
    }

    @Test func contactAndPlaceForms() {
        let address = GateNeedleForms.contact("742 evergreen terrace^^springfield^or^97403^usa", isAddress: true, isTelephone: false)
        #expect(Set(address.text) == ["742 evergreen terrace^^springfield^or^97403^usa", "evergreen", "springfield"])
        #expect(address.digits == ["97403"])
        let phone = GateNeedleForms.contact("+1 (541) 555-0113", isAddress: false, isTelephone: true)
        #expect(Set(phone.digits) == ["15415550113", "5550113", "5415550113"])
        let mail = GateNeedleForms.contact("mailto:homer.simpson@example.com", isAddress: false, isTelephone: true)
        #expect(Set(mail.text).isSuperset(of: ["mailto:homer.simpson@example.com", "homer.simpson@example.com", "homer.simpson"]))
        #expect(Set(GateNeedleForms.place("springfield general hospital").text) == ["springfield general hospital", "springfield"])
        #expect(GateNeedleForms.place("bench").text.isEmpty)
    }

    @Test func birthDateFormsOfSpec13() {
        let d = DateForms.parse("19580411")!
        let forms = Set(DateForms.birthForms(d))
        for expected in ["1958-04-11", "1958/04/11", "1958.04.11", "04/11/1958", "11/04/1958", "11.04.1958", "11-04-1958",
                         "04-11-1958", "4/11/1958", "11/4/58", "11-apr-1958", "11 apr 1958", "11apr1958", "apr 11 1958",
                         "apr 11, 1958", "april 11, 1958", "11 april 1958", "1958-4-11"] {
            #expect(forms.contains(expected), "\(expected)")
        }
        #expect(DateForms.parse("19650230") == nil && DateForms.parse("2024") == nil && DateForms.parse("20240229") != nil)
    }

    @Test func theDigitViewJoinsSingleSeparatorsOnly() {
        func view(_ s: String) -> [String] {
            var out: [String] = []
            let b = Array(s.utf8)
            b.withUnsafeBufferPointer { p in GateDigitView.numbers(in: p, from: 0, to: p.count) { d, _ in out.append(d); return false } }
            return out
        }
        #expect(view("650.555.0142") == ["6505550142"])
        #expect(view("(650) 555 0142") == ["6505550142"])
        #expect(view("441 0527") == ["4410527"])
        #expect(view("2.5.10234") == ["2510234"])
        #expect(view("12   34") == ["12", "34"])
        #expect(view("a1b2") == ["1", "2"])
    }

    @Test func boundariesOfSpec22() {
        typealias B = GateNeedle.Boundary
        #expect(GateNeedle.boundary(for: Array("tom".utf8)) == B.word)
        #expect(GateNeedle.boundary(for: Array("simpson".utf8)) == B.substring)
        #expect(GateNeedle.boundary(for: Array("123456".utf8)) == B.number)
        #expect(GateNeedle.boundary(for: Array("山田".utf8)) == B.substring)
        #expect(GateNeedle.boundary(for: Array("xu".utf8)) == B.word)
        let gate = PHIGate(original: DataSet([DataElement(tag: .patientName, vr: .PN, string: "Xu^An")]))
        #expect(gate.search(text: "XU AN")?.attribute == "PatientName")
        #expect(gate.search(text: "Xuan") == nil || gate.search(text: "Xuan")?.attribute == "PatientName")   // "xuan" is family+given
        #expect(gate.search(text: "ANXIETY") == nil)
    }
}
