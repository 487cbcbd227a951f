extension JSONValue {
    /// Serializes the value as indented JSON, keys in their stored order, ending in a newline.
    ///
    /// The output is stable (the same value always gives the same bytes), so regenerated files
    /// can be compared byte for byte. Besides the escapes JSON requires, `<`, `>` and `&` are
    /// written as `\u003c`, `\u003e` and `\u0026`, and U+2028/U+2029 as escapes, so the text
    /// is also safe to embed in HTML or JavaScript.
    /// - Parameter indent: spaces per level.
    /// - Returns: the JSON text.
    public func prettyPrinted(indent: Int = 2) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        writePretty(to: &bytes, depth: 0, indent: indent)
        bytes.append(0x0A)
        return String(decoding: bytes, as: UTF8.self)
    }

    func writePretty(to bytes: inout [UInt8], depth: Int, indent: Int) {
        func newline(_ level: Int) {
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * indent))
        }
        switch self {
        case .null, .bool, .number:
            write(to: &bytes)
        case .string(let text):
            JSONValue.writeSafeString(text, to: &bytes)
        case .array(let values):
            guard !values.isEmpty else { return bytes.append(contentsOf: "[]".utf8) }
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                value.writePretty(to: &bytes, depth: depth + 1, indent: indent)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { return bytes.append(contentsOf: "{}".utf8) }
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                JSONValue.writeSafeString(member.key, to: &bytes)
                bytes.append(contentsOf: ": ".utf8)
                member.value.writePretty(to: &bytes, depth: depth + 1, indent: indent)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string with HTML-significant characters and line separators escaped too.
    static func writeSafeString(_ text: String, to bytes: inout [UInt8]) {
        JSONValue.writeString(text, to: &bytes, escapingForHTML: true)
    }
}
