import Foundation
internal import GRDB

/// A row of `importedFolder`: a finished folder as it was when imported (device, inode and
/// modification time), so a rescan imports only folders that are new or changed.
public struct ImportedFolderRecord: Codable, Sendable {
    public static let databaseTableName = "importedFolder"
    public var path: String
    public var device: Int64
    public var inode: Int64
    public var modifiedAt: Double
    public var images: Int
    public var duplicates: Int
    public var quarantined: Int
    public var at: Date

    public init(path: String, device: Int64, inode: Int64, modifiedAt: Double, images: Int, duplicates: Int, quarantined: Int, at: Date) {
        self.path = path
        self.device = device
        self.inode = inode
        self.modifiedAt = modifiedAt
        self.images = images
        self.duplicates = duplicates
        self.quarantined = quarantined
        self.at = at
    }
}
