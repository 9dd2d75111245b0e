@testable import Pipeline
import Foundation
import Testing

/// WORKERS=auto counts the processors the node may use, not the machine's.
@Suite struct UsableProcessorsTests {
    @Test func theSmallestOfMachineAffinityAndQuotaCounts() {
        #expect(UsableProcessors.resolve(machine: 8, affinity: 0, quota: nil) == 8)
        #expect(UsableProcessors.resolve(machine: 8, affinity: 1, quota: nil) == 1)
        #expect(UsableProcessors.resolve(machine: 8, affinity: 4, quota: 2) == 2)
        #expect(UsableProcessors.resolve(machine: 8, affinity: 2, quota: 3) == 2)
        #expect(UsableProcessors.resolve(machine: 0, affinity: 0, quota: 0) == 1)
    }

    @Test func aCgroupQuotaIsRoundedUpAndMaxMeansNone() {
        #expect(UsableProcessors.quotaProcessors("max 100000\n") == nil)
        #expect(UsableProcessors.quotaProcessors("150000 100000\n") == 2)
        #expect(UsableProcessors.quotaProcessors("50000 100000") == 1)
        #expect(UsableProcessors.quotaProcessors("200000 100000") == 2)
        #expect(UsableProcessors.quotaProcessors("") == nil)
        #expect(UsableProcessors.quotaProcessors("garbage") == nil)
    }

    @Test func thisProcessCountsAtMostTheMachinesProcessors() {
        #expect((1...ProcessInfo.processInfo.activeProcessorCount).contains(UsableProcessors.count))
    }
}
