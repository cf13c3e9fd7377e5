/// A strict RFC 8259 parser from UTF-8 bytes straight to ``JSONValue``.
///
/// Every resume decodes the session's data; going through `JSONDecoder` and `Codable` costs
/// several times more than reading the bytes once. Anything this parser refuses is handed to
/// `JSONDecoder`, which keeps the final word on what is valid.
package struct JSONParser {
    /// The input is not JSON this parser accepts.
    package struct Failure: Error {
        /// A refusal; ``parseMembers(_:_:)``'s visitor throws one to refuse a document.
        package init() {}
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// Deeper nesting is refused (and left to `JSONDecoder`), so hostile input cannot exhaust
    /// the stack.
    private static let maximumDepth = 256

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The value of a whole document.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Failure() }
        return value
    }

    /// The members of a whole document that is an object, handed to `visit` one by one in the
    /// order they appear (duplicates too), without the dictionary ``parse(_:)`` builds: a reader
    /// of one fixed shape (session metadata, read on every SQL load) skips its allocation and
    /// hashing. `visit` throws to refuse the document.
    package static func parseMembers(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ visit: (String, JSONValue) throws(Failure) -> Void
    ) throws(Failure) {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else { throw Failure() }
        try parser.forEachMember(visit)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Failure() }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw Failure() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Failure() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Failure() }
        index += count
    }

    private mutating func object() throws(Failure) -> JSONValue {
        var members: [String: JSONValue] = [:]
        try forEachMember { (key, member) throws(Failure) in
            // Room for a few members at once: grown one by one, a session's two or three keys
            // cost two allocations on every read. (`reserveCapacity` would do the same through
            // an unspecialized call that looks up the storage's generic type each time.)
            if members.isEmpty { members = Dictionary(minimumCapacity: 4) }
            // JSONDecoder keeps the first of duplicate keys; so do we (putting it back after a
            // duplicate, so the usual object without one hashes each key once).
            if let first = members.updateValue(member, forKey: key) { members[key] = first }
        }
        return .object(members)
    }

    /// The members of the object whose opening brace `index` is at, each handed to `visit`.
    private mutating func forEachMember(_ visit: (String, JSONValue) throws(Failure) -> Void) throws(Failure) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw Failure() }
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Failure() }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Failure() }
            index += 1
            try visit(key, try value())
            skipWhitespace()
            guard index < bytes.count else { throw Failure() }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw Failure()
            }
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        depth += 1
        guard depth <= Self.maximumDepth else { throw Failure() }
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw Failure() }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw Failure()
            }
        }
    }

    /// A string; `index` is at its opening quote.
    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        var allBytes: UInt8 = 0
        // The common case: no escapes, so the bytes between the quotes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII is valid UTF-8 as it stands; only other text needs the validating copy.
                if allBytes < 0x80 { return String(decoding: slice, as: UTF8.self) }
                guard let text = String(validating: slice, as: UTF8.self) else { throw Failure() }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Failure() }
            allBytes |= byte
            index += 1
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scalars, as: UTF8.self) else { throw Failure() }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw Failure() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw Failure() }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw Failure() }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw Failure()
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Failure() }
                    scalars.append(contentsOf: String(scalar).utf8)
                default: throw Failure()
                }
            default:
                guard byte >= 0x20 else { throw Failure() }
                scalars.append(byte)
                index += 1
            }
        }
        throw Failure()
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Failure() }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure()
            }
            code = code << 4 | UInt32(digit)
            index += 1
        }
        return code
    }

    /// A number per the RFC's grammar, converted by the standard library.
    private mutating func number() throws(Failure) -> Double {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw Failure() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard try digits() > 0 else { throw Failure() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard try digits() > 0 else { throw Failure() }
        }
        let mantissa = bytes[start..<index]
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard try digits() > 0 else { throw Failure() }
        }
        if let exact = Self.exactDecimal(UnsafeBufferPointer(rebasing: bytes[start..<index])) { return exact }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else { throw Failure() }
        // Nonzero digits too small for a Double read as zero; JSONDecoder refuses them, so do we.
        if number == 0, mantissa.contains(where: { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }) {
            throw Failure()
        }
        return number
    }

    /// 10^0 … 10^19, the powers of ten a `UInt64` holds.
    private static let powersOfTen: [UInt64] = (0...19).map { exponent in
        (0..<exponent).reduce(1) { power, _ in power * 10 }
    }

    /// The value of a number already checked against the grammar, without text conversion, when
    /// it has no exponent and at most 19 digits; `nil` otherwise (then `Double(String)` reads it).
    ///
    /// The digits read as a whole number S, and the value is S / 10^f for f digits after the
    /// point. S, shifted left by k bits so that the quotient has 63 or 64 bits, is divided by
    /// 10^f in 128-bit integer arithmetic; a nonzero remainder is kept as the quotient's lowest
    /// bit (a sticky bit, below the ten or more bits that rounding to 53 drops), so converting the
    /// quotient to a Double rounds as the exact value would, and scaling by 2^-k is exact: the
    /// correctly rounded value, the one `Double(String)` gives. Stored times
    /// ("786739946.1234567") are such numbers, so reading a record makes no string.
    private static func exactDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var significand: UInt64 = 0
        var digitCount = 0
        var fractionDigits = 0
        var inFraction = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // Nineteen digits cannot overflow 64 bits; longer numbers take the slow path.
                digitCount += 1
                guard digitCount <= 19 else { return nil }
                significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
                if inFraction { fractionDigits += 1 }
            case UInt8(ascii: "."): inFraction = true
            case UInt8(ascii: "-"): continue
            default: return nil
            }
        }
        let negative = text.first == UInt8(ascii: "-")
        guard significand > 0 else { return negative ? -0.0 : 0 }
        let divisor = powersOfTen[fractionDigits]
        // The shifted significand is 63 bits longer than the divisor, so the quotient lies in
        // (2^62, 2^64): it fits the division's 64-bit result and keeps ten bits below the 53.
        let shift = (64 - divisor.leadingZeroBitCount) + 63 - (64 - significand.leadingZeroBitCount)
        // Swift's shifts take any amount: past the width they give zero, negative ones reverse.
        let (quotient, remainder) = divisor.dividingFullWidth((significand >> (64 - shift), significand << shift))
        let magnitude = Double(sign: .plus, exponent: -shift, significand: Double(quotient | (remainder == 0 ? 0 : 1)))
        return negative ? -magnitude : magnitude
    }

    private mutating func digits() throws(Failure) -> Int {
        var count = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            index += 1
            count += 1
        }
        return count
    }
}
