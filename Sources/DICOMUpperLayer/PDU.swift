/// A Protocol Data Unit of the DICOM Upper Layer (PS3.8 9.3).
public enum PDU: Equatable, Sendable {
    case associateRQ(AAssociateRQ)
    case associateAC(AAssociateAC)
    case associateRJ(AAssociateRJ)
    case dataTF(PDataTF)
    case releaseRQ
    case releaseRP
    case abort(AAbort)

    public var type: PDUType {
        switch self {
        case .associateRQ: return .aAssociateRQ
        case .associateAC: return .aAssociateAC
        case .associateRJ: return .aAssociateRJ
        case .dataTF: return .pDataTF
        case .releaseRQ: return .aReleaseRQ
        case .releaseRP: return .aReleaseRP
        case .abort: return .aAbort
        }
    }
}

/// A-ASSOCIATE-RQ (PS3.8 9.3.2).
public struct AAssociateRQ: Equatable, Sendable {
    public var protocolVersion: UInt16 = ULConstants.protocolVersion
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: String = ULConstants.applicationContextName
    public var presentationContexts: [PresentationContextRQ]
    public var userInformation: UserInformation

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextRQ],
                userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// A-ASSOCIATE-AC (PS3.8 9.3.3). The AE title fields are reserved in the AC but echo the RQ's,
/// as dcmtk and pynetdicom send them.
public struct AAssociateAC: Equatable, Sendable {
    public var protocolVersion: UInt16 = ULConstants.protocolVersion
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: String = ULConstants.applicationContextName
    public var presentationContexts: [PresentationContextAC]
    public var userInformation: UserInformation

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextAC],
                userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

/// A-ASSOCIATE-RJ (PS3.8 9.3.4). Fields are kept raw; the typed views name the known values.
public struct AAssociateRJ: Equatable, Sendable, CustomStringConvertible {
    public var result: UInt8
    public var source: UInt8
    public var reason: UInt8

    public init(result: AssociateRejectResult, source: AssociateRejectSource, reason: UInt8) {
        self.result = result.rawValue
        self.source = source.rawValue
        self.reason = reason
    }

    public init(result: UInt8, source: UInt8, reason: UInt8) {
        self.result = result
        self.source = source
        self.reason = reason
    }

    public var isTransient: Bool { result == AssociateRejectResult.rejectedTransient.rawValue }

    /// e.g. "rejected (permanent) by DUL service-user: Called AE title not recognised".
    public var description: String {
        let r = AssociateRejectResult(rawValue: result)?.description ?? "result \(result)"
        let s = AssociateRejectSource(rawValue: source)?.description ?? "source \(source)"
        let why: String?
        switch AssociateRejectSource(rawValue: source) {
        case .dulServiceUser: why = AssociateRejectReasonServiceUser(rawValue: reason)?.description
        case .dulServiceProviderACSERelated: why = AssociateRejectReasonACSE(rawValue: reason)?.description
        case .dulServiceProviderPresentationRelated: why = AssociateRejectReasonPresentation(rawValue: reason)?.description
        case nil: why = nil
        }
        return "\(r.lowercased()) by \(s): \(why ?? "reason \(reason)")"
    }
}

/// A-ABORT (PS3.8 9.3.8).
public struct AAbort: Equatable, Sendable, CustomStringConvertible {
    public var source: UInt8
    public var reason: UInt8

    public init(source: AbortSource, reason: AbortReason = .noReasonGiven) {
        self.source = source.rawValue
        self.reason = source == .dulServiceUser ? 0 : reason.rawValue
    }

    public init(source: UInt8, reason: UInt8) {
        self.source = source
        self.reason = reason
    }

    public var description: String {
        let s = AbortSource(rawValue: source)?.description ?? "source \(source)"
        guard source == AbortSource.dulServiceProvider.rawValue else { return "A-ABORT by \(s)" }
        return "A-ABORT by \(s): \(AbortReason(rawValue: reason)?.description ?? "reason \(reason)")"
    }
}

/// P-DATA-TF (PS3.8 9.3.5): one or more presentation data values.
public struct PDataTF: Equatable, Sendable {
    public var values: [PresentationDataValue]
    public init(values: [PresentationDataValue]) { self.values = values }
}

/// A presentation data value (PS3.8 9.3.5.1, Annex E.2): a fragment of a command or data set.
public struct PresentationDataValue: Equatable, Sendable {
    public var contextID: UInt8
    public var isCommand: Bool
    public var isLast: Bool
    public var data: ArraySlice<UInt8>

    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: ArraySlice<UInt8>) {
        self.contextID = contextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }

    /// The message control header byte: bit 0 command, bit 1 last fragment.
    public var messageControlHeader: UInt8 { (isCommand ? 1 : 0) | (isLast ? 2 : 0) }
}
