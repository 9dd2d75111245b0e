/// The User Information item of A-ASSOCIATE-RQ/AC (PS3.8 9.3.2.3, PS3.7 Annex D.3) and its
/// sub-items. Sub-items this implementation does not know are kept, in order, as raw bytes.
public struct UserInformation: Equatable, Sendable {
    /// Maximum Length Received (0x51): the largest P-DATA-TF variable field the sender accepts;
    /// 0 means no limit.
    public var maximumLength: UInt32?
    public var implementationClassUID: String?
    public var implementationVersionName: String?
    /// Asynchronous Operations Window (0x53): maximum operations invoked / performed.
    public var asynchronousOperationsWindow: AsynchronousOperationsWindow?
    public var roleSelections: [RoleSelection] = []
    public var extendedNegotiations: [SOPClassExtendedNegotiation] = []
    public var commonExtendedNegotiations: [SOPClassCommonExtendedNegotiation] = []
    public var userIdentityRQ: UserIdentityRQ?
    public var userIdentityAC: UserIdentityAC?
    public var unknownSubItems: [UnknownItem] = []
    /// The order sub-items were read in (item type codes), so a decoded item re-encodes to the
    /// same bytes. Empty for an item built in code: then the standard's order is used.
    public var order: [UInt8] = []

    public init(maximumLength: UInt32? = nil, implementationClassUID: String? = nil,
                implementationVersionName: String? = nil) {
        self.maximumLength = maximumLength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }
}

public struct AsynchronousOperationsWindow: Equatable, Sendable {
    public var maximumInvoked: UInt16
    public var maximumPerformed: UInt16
    public init(maximumInvoked: UInt16, maximumPerformed: UInt16) {
        self.maximumInvoked = maximumInvoked
        self.maximumPerformed = maximumPerformed
    }
}

/// SCP/SCU Role Selection (0x54, PS3.7 D.3.3.4).
public struct RoleSelection: Equatable, Sendable {
    public var sopClassUID: String
    public var scuRole: UInt8
    public var scpRole: UInt8
    public init(sopClassUID: String, scuRole: UInt8, scpRole: UInt8) {
        self.sopClassUID = sopClassUID
        self.scuRole = scuRole
        self.scpRole = scpRole
    }
}

/// SOP Class Extended Negotiation (0x56, PS3.7 D.3.3.5): application information per SOP class.
public struct SOPClassExtendedNegotiation: Equatable, Sendable {
    public var sopClassUID: String
    public var applicationInformation: [UInt8]
    public init(sopClassUID: String, applicationInformation: [UInt8]) {
        self.sopClassUID = sopClassUID
        self.applicationInformation = applicationInformation
    }
}

/// SOP Class Common Extended Negotiation (0x57, PS3.7 D.3.3.6).
public struct SOPClassCommonExtendedNegotiation: Equatable, Sendable {
    public var sopClassUID: String
    public var serviceClassUID: String
    public var relatedGeneralSOPClassUIDs: [String]
    public init(sopClassUID: String, serviceClassUID: String, relatedGeneralSOPClassUIDs: [String]) {
        self.sopClassUID = sopClassUID
        self.serviceClassUID = serviceClassUID
        self.relatedGeneralSOPClassUIDs = relatedGeneralSOPClassUIDs
    }
}

/// User Identity Negotiation, request (0x58, PS3.7 D.3.3.7.1).
public struct UserIdentityRQ: Equatable, Sendable {
    public var type: UInt8
    public var positiveResponseRequested: Bool
    public var primaryField: [UInt8]
    public var secondaryField: [UInt8]
    public init(type: UInt8, positiveResponseRequested: Bool, primaryField: [UInt8], secondaryField: [UInt8] = []) {
        self.type = type
        self.positiveResponseRequested = positiveResponseRequested
        self.primaryField = primaryField
        self.secondaryField = secondaryField
    }
}

/// User Identity Negotiation, response (0x59, PS3.7 D.3.3.7.2).
public struct UserIdentityAC: Equatable, Sendable {
    public var serverResponse: [UInt8]
    public init(serverResponse: [UInt8]) { self.serverResponse = serverResponse }
}

/// An item or sub-item of a type this implementation does not interpret.
public struct UnknownItem: Equatable, Sendable {
    public var type: UInt8
    public var data: [UInt8]
    public init(type: UInt8, data: [UInt8]) {
        self.type = type
        self.data = data
    }
}
