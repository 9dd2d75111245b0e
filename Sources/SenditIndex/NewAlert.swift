/// An alert to queue (`AlertStore.recordAlerts`): its condition (`series-failed:12`,
/// `destination-down:orthanc`…) and kind, and its JSON body made once the index has given it its
/// key: the condition itself the first time it arises, `condition#N` the N-th time (a condition
/// clears when it stops holding, and may arise again).
public struct NewAlert: Sendable {
    public var condition: String
    public var kind: String
    public var body: @Sendable (_ key: String) -> String

    public init(condition: String, kind: String, body: @escaping @Sendable (_ key: String) -> String) {
        self.condition = condition
        self.kind = kind
        self.body = body
    }
}
