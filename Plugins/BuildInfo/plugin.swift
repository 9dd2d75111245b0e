import Foundation
import PackagePlugin

/// Before each build of the `sendit` executable, writes `BuildCommit.swift`: the git commit of
/// the package's checkout (`-modified` when tracked files differ from it), or `unknown` without
/// git or outside a checkout, for `sendit version`. The file is replaced only when its text
/// changes, so an unchanged commit recompiles nothing.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildCommit.swift")
        let script = """
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && ! git -C "$1" diff --quiet HEAD -- 2>/dev/null; then commit="$commit-modified"; fi
            printf '/// Written by Plugins/BuildInfo at build time.\\nenum BuildCommit {\\n    static let commit = "%s"\\n}\\n' "$commit" > "$2.new"
            if cmp -s "$2.new" "$2"; then rm -f "$2.new"; else mv "$2.new" "$2"; fi
            """
        return [.prebuildCommand(displayName: "Recording the git commit of the build",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}
