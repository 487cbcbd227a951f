/// Errors from parsing JSON text.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset (0-based) where parsing failed.
    public let offset: Int
    /// What was wrong there.
    public let reason: String

    public var description: String { "invalid JSON at byte \(offset + 1): \(reason)" }
}

extension JSONValue {
    /// Serializes the value to compact JSON (no spaces), keys in their stored order.
    public func serialized() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the compact serialization of this value to `bytes`.
    public func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): JSONValue.writeNumber(value, to: &bytes)
        case .string(let value): JSONValue.writeString(value, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONValue.writeString(member.key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                member.value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes a number: integral values without a fraction, others in Swift's shortest
    /// round-trip form; non-finite values, which JSON cannot carry, as `null`.
    static func writeNumber(_ value: Double, to bytes: inout [UInt8]) {
        guard value.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        if value.rounded() == value, abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes a string with the escapes JSON requires; every control character is escaped,
    /// so a transcript line never carries a raw escape sequence or NUL.
    static func writeString(_ value: String, to bytes: inout [UInt8]) {
        writeString(value, to: &bytes, escapingForHTML: false)
    }

    /// Writes a string as `writeString` does; with `escapingForHTML`, also `<`, `>`, `&`, U+2028
    /// and U+2029 as `\u` escapes, so the JSON can sit in a `<script>` or be read by a JavaScript
    /// parser. The runs between escapes are copied whole from the string's UTF-8.
    static func writeString(_ value: String, to bytes: inout [UInt8], escapingForHTML: Bool) {
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8Buffer { text in
            var run = 0
            var index = 0
            func escape(_ replacement: [UInt8], skipping extra: Int = 0) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<index]))
                bytes.append(contentsOf: replacement)
                index += extra
                run = index + 1
            }
            while index < text.count {
                let byte = text[index]
                switch byte {
                case UInt8(ascii: "\""): escape([92, 34])
                case UInt8(ascii: "\\"): escape([92, 92])
                case 0x0A: escape([92, UInt8(ascii: "n")])
                case 0x0D: escape([92, UInt8(ascii: "r")])
                case 0x09: escape([92, UInt8(ascii: "t")])
                case 0..<0x20, 0x7F: escape([92, UInt8(ascii: "u"), 48, 48, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                case UInt8(ascii: "<") where escapingForHTML: escape(Array("\\u003c".utf8))
                case UInt8(ascii: ">") where escapingForHTML: escape(Array("\\u003e".utf8))
                case UInt8(ascii: "&") where escapingForHTML: escape(Array("\\u0026".utf8))
                case 0xE2 where escapingForHTML && index + 2 < text.count && text[index + 1] == 0x80 && (text[index + 2] == 0xA8 || text[index + 2] == 0xA9):
                    escape(Array((text[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8), skipping: 2)
                default: break
                }
                index += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<text.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Parses one JSON text.
    /// - Parameter text: the JSON, as UTF-8 bytes.
    /// - Returns: the value.
    /// - Throws: `JSONParseError` naming the byte offset of the first problem.
    public static func parse<Bytes: Collection>(_ text: Bytes) throws -> JSONValue where Bytes.Element == UInt8 {
        if let result = try text.withContiguousStorageIfAvailable({ buffer in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }) {
            return result
        }
        let copy = Array(text)
        return try copy.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            return try parser.parseDocument()
        }
    }

    /// Parses a JSON string.
    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// A byte-level recursive-descent JSON parser (RFC 8259), fast enough to load a
/// 100,000-entry transcript in a fraction of a second.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws -> JSONValue {
        skipSpace()
        let value = try parseValue()
        skipSpace()
        if index != bytes.count { throw fail("unexpected data after the value") }
        return value
    }

    func fail(_ reason: String) -> JSONParseError {
        JSONParseError(offset: index, reason: reason)
    }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected character")
        }
    }

    mutating func expectWord(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail("unexpected end of input") }
        let pointer = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            throw fail("unexpected character")
        }
        index += count
    }

    mutating func enter() throws {
        depth += 1
        if depth > 512 { throw fail("nesting deeper than 512 levels") }
    }

    mutating func parseObject() throws -> JSONValue {
        var members: [JSONMember] = []
        try parseMembers { key, parser in members.append(JSONMember(key, try parser.parseValue())) }
        return .object(JSONObject(members))
    }

    /// Reads an object (the index at its `{`), handing each member's key to `body` in order,
    /// with the parser at the member's value, which `body` must read (one value), rather than
    /// building the object: for a reader that wants a few known fields of it, each read its way.
    mutating func parseMembers(_ body: (String, inout JSONParser) throws -> Void) throws {
        try parseMembers(keyBytes: { key, parser in try body(String(decoding: key, as: UTF8.self), &parser) })
    }

    /// As `parseMembers`, handing each key as its UTF-8 bytes, which make no string when the key
    /// has no escape (the bytes in the input, valid only during `body`).
    mutating func parseMembers(keyBytes body: (UnsafeBufferPointer<UInt8>, inout JSONParser) throws -> Void) throws {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
            var end = index + 1
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
            let plain = end < bytes.count && bytes[end] == UInt8(ascii: "\"")
            var decoded = ""
            let keyRange: Range<Int>
            if plain {
                keyRange = (index + 1)..<end
                index = end + 1
            } else {
                decoded = try parseString()
                keyRange = 0..<0
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipSpace()
            if plain {
                try body(UnsafeBufferPointer(rebasing: bytes[keyRange]), &self)
            } else {
                var parser = self
                try decoded.withUTF8 { try body($0, &parser) }
                self = parser
            }
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end of input in an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    mutating func parseArray() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var values: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(values)
        }
        while true {
            skipSpace()
            values.append(try parseValue())
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end of input in an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    /// A string value that is an ISO-8601 time, read straight from its bytes (no string is made);
    /// nil, with the index left where it was, for anything else (an escape, not a time, not a
    /// string), which `parseValue` then reads as it would.
    mutating func instantString() -> Instant? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        var end = index + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\""),
              let instant = Instant.parseISO8601(bytes: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end])) else { return nil }
        index = end + 1
        return instant
    }

    mutating func parseNumber() throws -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        var sawDigit = false
        var integral = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            {
                integral = false
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { throw fail("malformed number") }
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if integral, slice.count < 16 {
            var value: Int64 = 0
            var negative = false
            for byte in slice {
                if byte == UInt8(ascii: "-") { negative = true } else { value = value * 10 + Int64(byte - 48) }
            }
            return Double(negative ? -value : value)
        }
        guard let value = Double(String(decoding: slice, as: UTF8.self)) else {
            index = start
            throw fail("malformed number")
        }
        // JSON has no infinity: a number too large for a double (1e999) is refused, not read as one.
        guard value.isFinite else {
            index = start
            throw fail("number out of range")
        }
        return value
    }

    mutating func parseString() throws -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("raw control character in a string") }
            index += 1
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte < 0x20 { throw fail("raw control character in a string") }
            if byte != UInt8(ascii: "\\") {
                scratch.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scratch.append(34)
            case UInt8(ascii: "\\"): scratch.append(92)
            case UInt8(ascii: "/"): scratch.append(47)
            case UInt8(ascii: "b"): scratch.append(8)
            case UInt8(ascii: "f"): scratch.append(12)
            case UInt8(ascii: "n"): scratch.append(10)
            case UInt8(ascii: "r"): scratch.append(13)
            case UInt8(ascii: "t"): scratch.append(9)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try parseHex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                scratch.append(contentsOf: Array(String(Character(character)).utf8))
            default:
                index -= 1
                throw fail("unknown escape")
            }
        }
        throw fail("unterminated string")
    }

    /// Reads past a value as `parseValue` reads it — the same errors at the same places — but
    /// makes no string: for a reader that checks a line whole and wants only some of its fields.
    mutating func skipValue() throws {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return _ = try parseValue() }
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte < 0x20 { throw fail("raw control character in a string") }
            index += 1
            guard byte == UInt8(ascii: "\\") else { continue }
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                UInt8(ascii: "r"), UInt8(ascii: "t"):
                continue
            case UInt8(ascii: "u"):
                // As `parseString`: a high surrogate takes the `\u` after it, whatever it holds.
                if (0xD800..<0xDC00).contains(try parseHex4()), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    _ = try parseHex4()
                }
            default:
                index -= 1
                throw fail("unknown escape")
            }
        }
        throw fail("unterminated string")
    }

    mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
            default: throw fail("bad hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
