/// The seed system's folder contract (docs/design.md): a direct child folder of the data folder whose
/// extension starts with "tmp" is still being written; any other is finished. Hidden entries
/// (".incoming", editors' and rsync's temporary names) are never finished folders. The
/// extension is compared without regard to case, so "X.TMP" from a Windows tool also waits.
/// `lost+found` (fsck's, when the data folder is a volume's root) is never a study.
public enum FolderContract {
    public static func isFinished(name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("."), name != "lost+found" else { return false }
        guard let dot = name.lastIndex(of: ".") else { return true }
        return !name[name.index(after: dot)...].lowercased().hasPrefix("tmp")
    }
}
