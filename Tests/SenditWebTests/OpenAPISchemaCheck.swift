import Foundation
import SenditWeb

/// Checks a JSON answer against a schema of the served OpenAPI document: the subset of JSON
/// Schema it uses ($ref, type, required, properties, additionalProperties, items, enum,
/// minimum, maximum). Returns the mismatches, each with its JSON path.
enum OpenAPISchemaCheck {
    nonisolated(unsafe) static let document = try! JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as! [String: Any]

    /// The schema of `path`'s `method` answer with `status`.
    static func responseSchema(path: String, method: String, status: Int) -> [String: Any]? {
        guard let paths = document["paths"] as? [String: Any], let item = paths[path] as? [String: Any],
              let operation = item[method] as? [String: Any], let responses = operation["responses"] as? [String: Any],
              var response = responses[String(status)] as? [String: Any] else { return nil }
        if let ref = response["$ref"] as? String { response = resolve(ref) }
        return ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
    }

    static func resolve(_ ref: String) -> [String: Any] {
        var node: Any = document
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as! [String: Any])[String(part)]! }
        return node as! [String: Any]
    }

    /// JSONSerialization's true and false (on Linux, `1 is Bool` holds too: the type tells).
    static func isBoolean(_ n: NSNumber) -> Bool {
        let type = String(cString: n.objCType)
        return type == "c" || type == "B"
    }

    static func check(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String { return check(value, resolve(ref), at: path) }
        var problems: [String] = []
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
            problems.append("\(path): \(value) not in \(allowed)")
        }
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path).\(key): missing") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, v) in object {
                if let p = properties[key] as? [String: Any] {
                    problems += check(v, p, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += check(v, extra, at: "\(path).\(key)")
                } else if (schema["additionalProperties"] as? Bool) == false {
                    problems.append("\(path).\(key): not in the schema")
                }
            }
        case "array":
            guard let array = value as? [Any] else { return ["\(path): not an array"] }
            if let items = schema["items"] as? [String: Any] {
                for (i, v) in array.enumerated() { problems += check(v, items, at: "\(path)[\(i)]") }
            }
        case "string":
            if !(value is String) { problems.append("\(path): not a string") }
        case "integer":
            guard let n = value as? NSNumber, !isBoolean(n), n.doubleValue == n.doubleValue.rounded() else { return ["\(path): not an integer"] }
            if let min = schema["minimum"] as? Double, n.doubleValue < min { problems.append("\(path): below \(min)") }
        case "boolean":
            if !((value as? NSNumber).map(isBoolean) ?? false) { problems.append("\(path): not a boolean") }
        default:
            break
        }
        return problems
    }
}
