import DICOMUpperLayer
import Foundation
import Testing
import TestSupport

/// Every cell of PS3.8 Table 9-10 (19 events × 13 states = 247), checked against the spec
/// tables themselves (not the generated code): the action, the next state, the effects.
@Suite struct ULStateMachineTests {
    static func tsv(_ name: String) throws -> [[String: String]] { try SpecTSV("dicom/" + name).rows }

    /// The effects each action must have (PS3.8 Tables 9-6 to 9-9, as worded in ul-actions.tsv).
    static func expectedEffects(_ action: String, nextState: String) -> ULEffects {
        switch action {
        case "AE-1": return [.openTransport]
        case "AE-2": return [.sendAssociateRQ]
        case "AE-3": return [.indicate(.associateAccepted)]
        case "AE-4": return [.indicate(.associateRejected), .closeTransport]
        case "AE-5": return [.startARTIM]
        case "AE-6": return nextState == "Sta3" ? [.stopARTIM, .indicate(.associateRequest)] : [.stopARTIM, .sendAssociateRJ, .startARTIM]
        case "AE-7": return [.sendAssociateAC]
        case "AE-8": return [.sendAssociateRJ, .startARTIM]
        case "DT-1", "AR-7": return [.sendPData]
        case "DT-2", "AR-6": return [.indicate(.pData)]
        case "AR-1": return [.sendReleaseRQ]
        case "AR-2": return [.indicate(.releaseRequest)]
        case "AR-3": return [.indicate(.releaseConfirmed), .closeTransport]
        case "AR-4": return [.sendReleaseRP, .startARTIM]
        case "AR-5", "AA-5": return [.stopARTIM]
        case "AR-8": return [.indicate(.releaseCollision)]
        case "AR-9": return [.sendReleaseRP]
        case "AR-10": return [.indicate(.releaseConfirmed)]
        case "AA-1": return [.sendAbort(.dulServiceUser, .noReasonGiven), .startARTIM]
        case "AA-2": return [.stopARTIM, .closeTransport]
        case "AA-3": return [.indicate(.abort), .closeTransport]
        case "AA-4": return [.indicate(.providerAbort)]
        case "AA-6": return []
        case "AA-7": return [.sendAbort(.dulServiceProvider, .unexpectedPDU)]
        case "AA-8": return [.sendAbort(.dulServiceProvider, .unexpectedPDU), .indicate(.providerAbort), .startARTIM]
        default: return [.sendAbort(.dulServiceProvider, .unrecognisedPDU)]   // unknown action: fails below
        }
    }

    @Test func everyCellOfTable9_10() throws {
        let table = try Self.tsv("ul-state-machine.tsv")
        let actions = Dictionary(uniqueKeysWithValues: try Self.tsv("ul-actions.tsv").map { ($0["action"]!, $0["next_state"]!) })
        #expect(table.count == 19 && ULEvent.allCases.count == 19 && ULState.allCases.count == 13)
        var cells = 0, blank = 0
        for row in table {
            let event = try #require(ULEvent(rawValue: Int(row["event"]!.dropFirst(3))!))
            for state in ULState.allCases {
                let cell = row["Sta\(state.rawValue)"]!
                let variants: [(requestor: Bool, acceptable: Bool)] = [(false, true), (true, true), (false, false)]
                for v in variants {
                    var machine = ULStateMachine(state: state, isRequestor: v.requestor)
                    let t = machine.handle(event, associateRQAcceptable: v.acceptable)
                    #expect(t.from == state && t.event == event)
                    #expect(t.action?.rawValue == (cell.isEmpty ? nil : cell), "\(event) in \(state)")
                    if cell.isEmpty {
                        // Blank cell: an invalid event. A-ABORT while a connection is open.
                        switch state {
                        case .Sta1, .Sta13:
                            #expect(t.effects.isEmpty && t.to == state, "\(event) in \(state)")
                        case .Sta4:
                            #expect(t.effects == [.stopARTIM, .closeTransport] && t.to == .Sta1, "\(event) in \(state)")
                        default:
                            #expect(t.effects == [.sendAbort(.dulServiceProvider, .unexpectedPDU), .indicate(.providerAbort), .startARTIM],
                                    "\(event) in \(state)")
                            #expect(t.to == .Sta13)
                        }
                        continue
                    }
                    let nextStates = actions[cell]!.split(separator: "|").map(String.init)
                    var expectedNext = nextStates[0]
                    if cell == "AE-6" && !v.acceptable { expectedNext = nextStates[1] }
                    if cell == "AR-8" && !v.requestor { expectedNext = nextStates[1] }
                    #expect("Sta\(t.to.rawValue)" == expectedNext, "\(cell): \(event) in \(state)")
                    #expect(t.effects == Self.expectedEffects(cell, nextState: expectedNext), "\(cell): \(event) in \(state)")
                    if cell == "AE-1" { #expect(machine.isRequestor) }
                    if cell == "AE-5" { #expect(!machine.isRequestor) }
                }
                cells += 1
                if cell.isEmpty { blank += 1 }
            }
        }
        #expect(cells == 247)
        #expect(blank == 247 - 123)   // 123 non-empty cells in PS3.8 Table 9-10
    }

    @Test func aa3TellsAPeerUserAbortFromAProviderAbort() {
        var m = ULStateMachine(state: .Sta6)
        #expect(m.handle(.Evt16, abortSource: .dulServiceUser).effects == [.indicate(.abort), .closeTransport])
        m = ULStateMachine(state: .Sta6)
        #expect(m.handle(.Evt16, abortSource: .dulServiceProvider).effects == [.indicate(.providerAbort), .closeTransport])
    }

    @Test func acceptorLifecycle() {
        var m = ULStateMachine()
        let steps: [(ULEvent, ULState)] = [(.Evt5, .Sta2), (.Evt6, .Sta3), (.Evt7, .Sta6), (.Evt10, .Sta6), (.Evt9, .Sta6),
                                           (.Evt12, .Sta8), (.Evt14, .Sta13), (.Evt17, .Sta1)]
        for (event, state) in steps {
            m.handle(event)
            #expect(m.state == state, "after \(event)")
        }
    }

    @Test func requestorLifecycleAndReleaseCollision() {
        var m = ULStateMachine()
        for (event, state) in [(ULEvent.Evt1, ULState.Sta4), (.Evt2, .Sta5), (.Evt3, .Sta6), (.Evt9, .Sta6), (.Evt11, .Sta7)] {
            m.handle(event)
            #expect(m.state == state)
        }
        // The peer asks to release too: collision; the requestor goes to Sta9 and answers first.
        #expect(m.handle(.Evt12).to == .Sta9)
        #expect(m.handle(.Evt14).effects == [.sendReleaseRP])
        #expect(m.state == .Sta11)
        #expect(m.handle(.Evt13).effects == [.indicate(.releaseConfirmed), .closeTransport])
        #expect(m.state == .Sta1)
    }

    @Test func artimExpiryOnASilentPeerClosesTheConnection() {
        var m = ULStateMachine()
        m.handle(.Evt5)
        #expect(m.handle(.Evt18).effects == [.stopARTIM, .closeTransport])
        #expect(m.state == .Sta1)
    }
}
