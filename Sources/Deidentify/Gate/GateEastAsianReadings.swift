extension PHIGate {
    /// The encodings a binary value is also read in (matching spec 5) when a form holds
    /// ideographs, kana or Hangul: a vendor's blob written in Shift-JIS, GB18030 or EUC-KR whatever
    /// the data set's character set says. Only those of the scripts present: none for Latin names.
    static func eastAsianEncodings(_ forms: [String]) -> [String] {
        var japanese = false, chinese = false, korean = false
        for form in forms {
            for c in form.unicodeScalars where c.value >= 0x1100 {
                if (0x3040...0x30FF).contains(c.value) || (0xFF66...0xFF9D).contains(c.value) {
                    japanese = true
                } else if (0xAC00...0xD7A3).contains(c.value) || (0x1100...0x11FF).contains(c.value) || (0x3131...0x318E).contains(c.value) {
                    korean = true
                } else if c.properties.isIdeographic {
                    japanese = true; chinese = true; korean = true   // kanji, hanzi, hanja
                }
            }
        }
        return (japanese ? ["SHIFT_JIS", "CP932", "EUC-JP", "ISO-2022-JP"] : [])
            + (chinese ? ["GB18030", "BIG5"] : [])
            + (korean ? ["EUC-KR", "ISO-2022-KR"] : [])
    }
}
