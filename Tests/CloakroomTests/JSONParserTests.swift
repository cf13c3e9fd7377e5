import Cloakroom
import Foundation
import Testing

/// The fast JSON parser agrees with `JSONDecoder`: whatever it accepts, `JSONDecoder` accepts
/// with the same value; whatever `JSONDecoder` refuses, it refuses too.
@Suite("JSON parser")
struct JSONParserTests {
    private func fast(_ text: [UInt8]) -> JSONValue? {
        text.withUnsafeBufferPointer { try? JSONParser.parse($0) }
    }

    private func reference(_ text: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text))
    }

    private func agree(_ text: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let mine = fast(text)
        let theirs = reference(text)
        if let mine {
            #expect(mine == theirs, "\(String(decoding: text, as: UTF8.self))", sourceLocation: sourceLocation)
        }
        if theirs == nil {
            #expect(
                mine == nil,
                "accepted invalid \(String(decoding: text, as: UTF8.self))",
                sourceLocation: sourceLocation
            )
        }
    }

    @Test(
        "hand-picked documents, valid and not",
        arguments: [
            #"{}"#, #"[]"#, #" { "a" : [1, 2.5, -0, 1e3, 1E-2, true, false, null] } "#,
            #"{"s":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}"#, #"{"emoji":"😀","nested":{"a":{"b":[[]]}}}"#,
            #"{"a":1,}"#, #"{"a" 1}"#, #"[1 2]"#, #"01"#, #"1."#, #".5"#, #"-"#, #"+1"#, #"1e"#, #"tru"#,
            #"nul"#, #""\u12"#, #""\ud83d""#, #""\udc00""#, #""\x""#, "\"tab\there\"", #"{"a":1}x"#, #"[1,]"#,
            #"1e999"#, #""unterminated"#, "", " ", #"{"a":"b"#, #"[[[[]]]]"#, #"{"dup":1,"dup":2}"#,
            #"{"d":1,"d":2,"d":3,"e":4}"#,
            "\"\u{7F}\"", #"-0.0e+0"#, #"123456789012345678901234567890"#, #"[-2.25e-0780,null]"#, #"1e-400"#,
            #"2e-324"#, #"4e-324"#, #"0e-999"#, #"-0.000e-400"#,
        ]
    )
    func handPicked(_ text: String) {
        agree(Array(text.utf8))
    }

    @Test("bytes that are not UTF-8 are refused")
    func invalidUTF8() {
        agree([0x22, 0xFF, 0x22])
        agree([0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D])
    }

    @Test("2,000 random documents parse to the same values")
    func randomDocuments() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let value = RandomJSON.value(depth: 0, using: &generator)
            let encoded = Array(try JSONEncoder().encode(value))
            #expect(fast(encoded) == value)
            agree(encoded)
            // Cut short, or with one byte changed: still the same verdicts.
            if encoded.count > 2 {
                agree(Array(encoded.prefix(Int.random(in: 1..<encoded.count, using: &generator))))
                var changed = encoded
                changed[Int.random(in: 0..<changed.count, using: &generator)] = UInt8.random(
                    in: 0...255,
                    using: &generator
                )
                agree(changed)
            }
        }
    }

    @Test("decimals read without text conversion are the Doubles Double(String) reads")
    func exactDecimals() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = [
            "0", "-0", "0.5", "-0.0", "9007199254740992", "9007199254740993", "0.1", "0.3", "1.7976931348623157",
            "786739946.1234567", "786739946.12345672", "123456789012345678.5", "0.0000000000000000000001",
            "1234567890123456789", "12345678901234567890", "4.9406564584124654", "-786739946.000001",
        ]
        for _ in 0..<5000 {
            // Stored times (seconds since 2001, sub-microsecond parts), then any magnitude.
            texts.append(Double.random(in: 0..<2e9, using: &generator).description)
            let digits = (0..<Int.random(in: 1...20, using: &generator)).map { _ in
                String(Int.random(in: 0...9, using: &generator))
            }
            let point = Int.random(in: 1...digits.count, using: &generator)
            let fraction = digits[point...].joined()
            texts.append(digits[..<point].joined() + (fraction.isEmpty ? "" : "." + fraction))
        }
        for text in texts where !(text.count > 1 && text.hasPrefix("0") && !text.hasPrefix("0.")) {
            let parsed = fast(Array(text.utf8))
            let expected = Double(text).map(JSONValue.number)
            #expect(parsed == expected, "\(text)")
            if case .number(let number)? = parsed, case .number(let reference)? = expected {
                #expect(number.sign == reference.sign, "\(text)")
            }
        }
    }

    @Test("members are visited in order, duplicates too; a refusal from the visitor refuses the document")
    func members() throws {
        let text = Array(#" {"b":1,"a":[true],"b":"x"} "#.utf8)
        var keys: [String] = []
        var values: [JSONValue] = []
        try text.withUnsafeBufferPointer { bytes throws(JSONParser.Failure) in
            try JSONParser.parseMembers(bytes) { key, value throws(JSONParser.Failure) in
                keys.append(key)
                values.append(value)
            }
        }
        #expect(keys == ["b", "a", "b"])
        #expect(values == [.number(1), .array([.bool(true)]), .string("x")])
        for refused in ["[]", "{", #"{"a":1}x"#, #"{"a":1,}"#, "1"] {
            #expect(throws: JSONParser.Failure.self, "\(refused)") {
                try Array(refused.utf8).withUnsafeBufferPointer { bytes throws(JSONParser.Failure) in
                    try JSONParser.parseMembers(bytes) { _, _ in }
                }
            }
        }
        #expect(throws: JSONParser.Failure.self) {
            try text.withUnsafeBufferPointer { bytes throws(JSONParser.Failure) in
                try JSONParser.parseMembers(bytes) { _, _ throws(JSONParser.Failure) in throw JSONParser.Failure() }
            }
        }
    }

    @Test("nesting deeper than the limit is refused, not a crash")
    func deepNesting() {
        let deep =
            Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        #expect(fast(deep) == nil)
    }

}

/// The writer's output reads back, by `JSONDecoder` and by our parser, as the value written.
@Suite("JSON writer")
struct JSONWriterTests {
    @Test("2,000 random values written and read back by JSONDecoder and the parser")
    func roundTrip() throws {
        for _ in 0..<2000 {
            let value = JSONValue.object(["v": RandomJSON.value(depth: 0)])
            let written = try JSONWriter.write(value)
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(written)) == value)
            #expect(written.withUnsafeBufferPointer { try? JSONParser.parse($0) } == value)
        }
    }

    @Test("keys are sorted, numbers are compact, control characters are escaped, non-finite numbers refused")
    func form() throws {
        let written = try JSONWriter.write(.object(["b": .number(2), "a": .number(1.5), "é": .string("x\u{1}\n\"")]))
        #expect(String(decoding: written, as: UTF8.self) == #"{"a":1.5,"b":2,"é":"x\u0001\n\""}"#)
        #expect(throws: JSONWriter.Failure.self) { try JSONWriter.write(.number(.infinity)) }
        #expect(String(decoding: try JSONWriter.write(.number(1e21)), as: UTF8.self) == "1e+21")
        // Escapes first, last, side by side and between plain runs; every control character form.
        let escapes = try JSONWriter.write(.string("\"a\\\t\r\u{1F}é b\u{0}\u{7F}\""))
        #expect(String(decoding: escapes, as: UTF8.self) == #""\"a\\\t\r\u001fé b\u0000\#u{7F}\"""#)
        #expect(String(decoding: try JSONWriter.write(.string("")), as: UTF8.self) == #""""#)
    }

    @Test("objects of any size come out sorted: empty, one member, and more than fit in stack space")
    func objectSizes() throws {
        #expect(String(decoding: try JSONWriter.write(.object([:])), as: UTF8.self) == "{}")
        #expect(String(decoding: try JSONWriter.write(.object(["k": .null])), as: UTF8.self) == #"{"k":null}"#)
        // 5,000 keys take 80 KB of temporary space: more than the stack holds, so it is heap.
        let keys = (0..<5_000).map { "key\($0)" }
        let object = Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.string($0)) })
        let expected = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { #""\#($0)":"\#($0)""# }.joined(separator: ",")
        #expect(String(decoding: try JSONWriter.write(.object(object)), as: UTF8.self) == "{\(expected)}")
        // A failure half-way through an object leaves nothing behind that could crash or leak.
        #expect(throws: JSONWriter.Failure.self) {
            try JSONWriter.write(.object(["a": .number(1), "b": .number(.nan), "c": .number(3)]))
        }
    }
}

/// Random JSON values: every kind, nested, with escapes and non-ASCII text.
enum RandomJSON {
    static func value(depth: Int) -> JSONValue {
        var generator = SystemRandomNumberGenerator()
        return value(depth: depth, using: &generator)
    }

    static func value(depth: Int, using generator: inout SystemRandomNumberGenerator) -> JSONValue {
        let choice = Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            let numbers: [Double] = [0, -1, 42, 1.5, -2.25e-7, 1e21, Double(Int.random(in: -1_000_000...1_000_000))]
            return .number(numbers.randomElement(using: &generator)!)
        case 3:
            let pieces = ["a", "é", "😀", "\"", "\\", "\n", "\u{1}", "/", " ", "漢字", "\u{7F}"]
            return .string(
                (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                    .joined()
            )
        case 4:
            return .array(
                (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                    value(depth: depth + 1, using: &generator)
                }
            )
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0...4, using: &generator) {
                members["k\(index)\(["", "é", "\"", "😀"].randomElement(using: &generator)!)"] = value(
                    depth: depth + 1,
                    using: &generator
                )
            }
            return .object(members)
        }
    }
}
