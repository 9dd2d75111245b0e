import Foundation
internal import GRDB

/// A row of `delivery`: one image at one destination. `sent` once the destination answered
/// Success (or an accepted Warning), `done` once it was verified there, `failed` when the
/// destination refused it for good, `skipped` when the destination cannot take it (a series that
/// cannot be made a NIfTI volume), with the reason in `detail`. No row: not sent yet.
public struct DeliveryRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case sent, done, failed, skipped
    }

    public static let databaseTableName = "delivery"
    public var id: Int64?
    public var imageId: Int64
    public var destination: String
    public var state: State
    /// The C-STORE-RSP status, for DICOM destinations.
    public var dimseStatus: Int?
    /// A warning's meaning, a refusal's reason, why it was skipped.
    public var detail: String?
    public var bytes: Int64
    public var sentAt: Date?
    public var verifiedAt: Date?
    public var updatedAt: Date

    public init(imageId: Int64, destination: String, state: State, dimseStatus: Int? = nil, detail: String? = nil,
                bytes: Int64, sentAt: Date? = nil, verifiedAt: Date? = nil, updatedAt: Date) {
        self.imageId = imageId
        self.destination = destination
        self.state = state
        self.dimseStatus = dimseStatus
        self.detail = detail
        self.bytes = bytes
        self.sentAt = sentAt
        self.verifiedAt = verifiedAt
        self.updatedAt = updatedAt
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
