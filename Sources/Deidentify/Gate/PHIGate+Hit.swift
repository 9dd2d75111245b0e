extension PHIGate {
    /// Why the gate refused a copy. It names the original attribute whose value was found, the
    /// value's kind and where it was found, never the value; its description is what the
    /// operator reads in `sendit status`.
    public struct Hit: Error, Sendable, CustomStringConvertible {
        /// The original's attribute (keyword) whose value was found; for a copy that cannot be
        /// checked, what could not ("Pixel Data", "the output").
        public let attribute: String
        /// The kind of value found (matching spec 1: name, id, birthdate, otherdate, contact,
        /// place, device, uid), or `unchecked` when the copy cannot be checked.
        public let kind: String
        /// Where in the output: `(0008,1030) StudyDescription`, `Pixel Data fragment 3`,
        /// `file name`, nested items as `(0040,0275) RequestAttributesSequence item 1 > …`.
        public let location: String
        /// For a copy that cannot be checked: why.
        public let reason: String?

        public init(attribute: String, kind: String, location: String, reason: String? = nil) {
            self.attribute = attribute
            self.kind = kind
            self.location = location
            self.reason = reason
        }

        static func found(_ n: GateNeedle, at location: String) -> Hit {
            Hit(attribute: n.attribute, kind: n.kind.rawValue, location: location)
        }

        static func unchecked(_ what: String, at location: String, _ reason: String) -> Hit {
            Hit(attribute: what, kind: "unchecked", location: location, reason: reason)
        }

        public var description: String {
            if let reason { return "PHI gate: \(location): cannot be checked: \(reason)" }
            return "PHI gate: the original \(attribute) (\(kind)) occurs in the output's \(location)"
        }
    }
}
