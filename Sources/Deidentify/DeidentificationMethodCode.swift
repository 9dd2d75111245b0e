/// A code of PS3.16 CID 7050 (De-identification Method), as written in an item of
/// De-identification Method Code Sequence (0012,0064).
public struct DeidentificationMethodCode: Sendable, Equatable {
    public let value: String
    public let scheme: String
    public let meaning: String
    /// The column of Table E.1-1 whose option this code records ("basic_profile" for 113100).
    public let profileColumn: String

    /// 113100, Basic Application Confidentiality Profile.
    public static var basicProfile: DeidentificationMethodCode {
        all.first { $0.profileColumn == "basic_profile" }!
    }
}
