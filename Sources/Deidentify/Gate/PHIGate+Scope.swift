extension PHIGate {
    /// Which kinds of value are searched for. What the profile's options retain is not.
    public struct Scope: Sendable, Equatable {
        /// UIDs (not under retain-uids).
        public var uids = true
        /// The institution's name, address and department (not under retain-institution-identity).
        public var institution = true
        /// Station names, serial numbers and other device identifiers (not under retain-device-identity).
        public var device = true
        /// Dates other than the birth date (not under retain-full-dates).
        public var dates = true
        /// The file name of the recipe in use (its last path component): the engine writes
        /// `sendit recipe <name>` into De-identification Method, and only that exact value is
        /// not searched. Without it, such a value is searched like any other.
        public var recipeName: String?

        public init() {}

        public init(options: Set<ProfileOption>) {
            uids = !options.contains(.retainUIDs)
            institution = !options.contains(.retainInstitutionIdentity)
            device = !options.contains(.retainDeviceIdentity)
            dates = !options.contains(.retainLongitudinalFullDates)
        }

        /// The options of the settings' profile, and its recipe's name.
        public init(settings: DeidentificationSettings) {
            self.init(options: settings.profile.options)
            recipeName = settings.recipe.map { String($0.source.split(separator: "/").last ?? "") }
        }
    }
}
