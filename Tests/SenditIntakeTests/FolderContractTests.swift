@testable import SenditIntake
import Testing

@Suite struct FolderContractTests {
    @Test func theFolderContract() {
        for finished in ["1.2.3", "patient A", "1.2.3-2", "study.dcmdir", "x"] { #expect(FolderContract.isFinished(name: finished)) }
        for unfinished in ["1.2.3.tmp5f", "X.tmp", "X.TMP", "X.tmpfoo", ".incoming", ".hidden", ""] {
            #expect(!FolderContract.isFinished(name: unfinished))
        }
    }
}
