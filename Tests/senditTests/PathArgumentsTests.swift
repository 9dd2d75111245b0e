@testable import sendit
import Testing

@Suite struct PathArgumentsTests {
    struct Send: ManyPathsCommand {
        static let optionsTakingValues: Set<String> = ["--aet"]
        var paths: [String] = []
    }

    @Test func pathsAreTakenOutOptionsStay() {
        let (args, paths) = PathArguments.split(["dump", "a.dcm", "--json", "b.dcm", "-q", "--", "-odd.dcm", "--strict"],
                                                commands: ["dump": DumpCommand.self])
        #expect(args == ["dump", "--json", "-q"])
        #expect(paths == ["a.dcm", "b.dcm", "-odd.dcm", "--strict"])
    }

    @Test func valuesOfOptionsAreNotPaths() {
        let (args, paths) = PathArguments.split(["send", "--aet", "ME", "x.dcm"], commands: ["send": Send.self])
        #expect(args == ["send", "--aet", "ME"] && paths == ["x.dcm"])
    }

    @Test func otherCommandsAreLeftAlone() {
        let input = ["--help"]
        #expect(PathArguments.split(input, commands: ["dump": DumpCommand.self]).arguments == input)
        #expect(PathArguments.split(["other", "x"], commands: ["dump": DumpCommand.self]).paths.isEmpty)
    }
}
