import Foundation

/// How the finishing of a staging folder whose instances were indexed before their study was
/// quiet is recorded: `willRename(from, to)` before the rename (the intent, durable), then
/// `didRename(from, to)` after it (the images' paths moved), both inside `paths.renaming`, so no
/// stage reads an original meanwhile. Full paths.
public struct StagingRenames: Sendable {
    public let paths: StagingPaths
    public let willRename: @Sendable (String, String) throws -> Void
    public let didRename: @Sendable (String, String) throws -> Void
    /// The staging folder was gone when it was to be renamed: the intent is dropped.
    public let didNotRename: @Sendable (String) throws -> Void

    public init(paths: StagingPaths, willRename: @escaping @Sendable (String, String) throws -> Void,
                didRename: @escaping @Sendable (String, String) throws -> Void,
                didNotRename: @escaping @Sendable (String) throws -> Void) {
        self.paths = paths
        self.willRename = willRename
        self.didRename = didRename
        self.didNotRename = didNotRename
    }
}
