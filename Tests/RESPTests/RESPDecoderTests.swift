import NIOCore
import Testing

@testable import RESP

@Suite("RESP decoder")
struct RESPDecoderTests {
    /// Replies as a Redis 7 server sends them, with the values they mean.
    static let recorded: [(bytes: String, value: RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        (
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            .simpleError("WRONGTYPE Operation against a key holding the wrong kind of value")
        ),
        (":1000\r\n", .integer(1000)),
        (":-42\r\n", .integer(-42)),
        ("$5\r\nhello\r\n", .bulkString(Array("hello".utf8))),
        ("$0\r\n\r\n", .bulkString([])),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("*0\r\n", .array([])),
        ("*2\r\n$3\r\nfoo\r\n:7\r\n", .array([.bulkString(Array("foo".utf8)), .integer(7)])),
        ("_\r\n", .null),
        (",3.25\r\n", .double(3.25)),
        (",-inf\r\n", .double(-.infinity)),
        ("#t\r\n", .boolean(true)),
        ("#f\r\n", .boolean(false)),
        ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
        ("!21\r\nSYNTAX invalid syntax\r\n", .bulkError(Array("SYNTAX invalid syntax".utf8))),
        ("=15\r\ntxt:Some string\r\n", .verbatimString(format: "txt", text: Array("Some string".utf8))),
        (
            "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
            .map([
                .init(key: .simpleString("first"), value: .integer(1)),
                .init(key: .simpleString("second"), value: .integer(2)),
            ])
        ),
        ("~2\r\n+a\r\n+b\r\n", .set([.simpleString("a"), .simpleString("b")])),
        (
            ">2\r\n+invalidate\r\n*1\r\n$3\r\nkey\r\n",
            .push([.simpleString("invalidate"), .array([.bulkString(Array("key".utf8))])])
        ),
        ("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1923\r\n*1\r\n:2039\r\n", .array([.integer(2039)])),
        // HELLO 3 from redis-server 7.0
        (
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:5\r\n"
                + "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
            .map([
                .init(key: .bulkString(Array("server".utf8)), value: .bulkString(Array("redis".utf8))),
                .init(key: .bulkString(Array("version".utf8)), value: .bulkString(Array("7.0.15".utf8))),
                .init(key: .bulkString(Array("proto".utf8)), value: .integer(3)),
                .init(key: .bulkString(Array("id".utf8)), value: .integer(5)),
                .init(key: .bulkString(Array("mode".utf8)), value: .bulkString(Array("standalone".utf8))),
                .init(key: .bulkString(Array("role".utf8)), value: .bulkString(Array("master".utf8))),
                .init(key: .bulkString(Array("modules".utf8)), value: .array([])),
            ])
        ),
    ]

    static let cases = recorded.indices.map { $0 }

    @Test(arguments: cases)
    func decodesRecordedRepliesWhole(_ index: Int) throws {
        let (bytes, value) = Self.recorded[index]
        var buffer = ByteBuffer(string: bytes)
        #expect(try RESPDecoder().decode(&buffer) == value)
        #expect(buffer.readableBytes == 0)
    }

    /// Every prefix is "need more" and leaves the buffer as it was; the whole is the value.
    @Test(arguments: cases)
    func acceptsEverySplitByteByByte(_ index: Int) throws {
        let (bytes, value) = Self.recorded[index]
        let all = Array(bytes.utf8)
        let decoder = RESPDecoder()
        for cut in 0..<all.count {
            var partial = ByteBuffer(bytes: all[0..<cut])
            #expect(try decoder.decode(&partial) == nil, "a \(cut)-byte prefix decoded")
            #expect(partial.readableBytes == cut)
        }
        var stream = ByteBuffer()
        var decoded: [RESPValue] = []
        for byte in all + all {
            stream.writeInteger(byte)
            while let next = try decoder.decode(&stream) { decoded.append(next) }
        }
        #expect(decoded == [value, value])
    }

    @Test(arguments: [
        "?what\r\n", ":12a\r\n", ":\r\n", "$5\r\nhelloXX", "$-2\r\n", "*-5\r\n", "#x\r\n", ",abc\r\n", "_x\r\n",
        "+OK\rX", "=3\r\ntxt\r\n", ":99999999999999999999\r\n", "%-1\r\n", "(12a\r\n", "!-1\r\n",
    ])
    func rejectsMalformedInput(_ bytes: String) {
        var buffer = ByteBuffer(string: bytes)
        #expect(throws: RESPError.self) { try RESPDecoder().decode(&buffer) }
    }

    @Test func enforcesLimitsBeforeBuffering() {
        let limits = RESPDecoderLimits(
            maxBulkLength: 16,
            maxElements: 4,
            maxDepth: 3,
            maxLineLength: 32,
            maxReplyLength: 64
        )
        let decoder = RESPDecoder(limits: limits)
        for bytes in [
            "$17\r\n", "*5\r\n", "%3\r\n", "*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "+" + String(repeating: "a", count: 40),
        ] {
            var buffer = ByteBuffer(string: bytes)
            #expect(throws: RESPError.self, "\(bytes.prefix(10)) was accepted") { try decoder.decode(&buffer) }
        }
        var endless = ByteBuffer(
            string: "*4\r\n$16\r\n" + String(repeating: "x", count: 16) + "\r\n$16\r\n"
                + String(repeating: "y", count: 60)
        )
        #expect(throws: RESPError.self) { try decoder.decode(&endless) }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        var buffer = ByteBuffer(string: String(repeating: "*1\r\n", count: 100_000) + ":1\r\n")
        #expect(throws: RESPError.self) { try RESPDecoder().decode(&buffer) }
    }

    @Test func numbersAreSpelledAsStringSpellsThem() {
        for number: Int64 in [0, 7, -7, 9, 10, -10, 99, 100, 1_700_000_000_000_000, .max, .min, .min + 1] {
            #expect(RESPArgument(number).bytes == Array(String(number).utf8), "\(number)")
            #expect(RESPArgument(Int(number)).bytes == Array(String(number).utf8), "\(number)")
        }
        for number: UInt64 in [0, 1, 10, 18_446_744_073_709_551_615] {
            #expect(RESPArgument(number).bytes == Array(String(number).utf8), "\(number)")
        }
    }

    @Test func encodesCommandsAsArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPCommand("SET", "key", RESPArgument(bytes: [0, 13, 10]), 42).encode(into: &buffer)
        #expect(
            buffer.readString(length: buffer.readableBytes)
                == "*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\n\0\r\n\r\n$2\r\n42\r\n"
        )
        #expect(RESPCommand("AUTH", "user", "secret").description == "AUTH")
    }

    @Test(arguments: [0, 1, 9, 10, 99, 100, 12_345])
    func encodesEveryLengthExactly(length: Int) {
        // Many arguments (a two-digit count), an empty one, and one of `length` bytes, after bytes
        // already in the buffer: what a decoder reads back is the command, with nothing left over.
        let long = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        let arguments =
            (0..<11).map { RESPArgument("field\($0)") } + [RESPArgument(bytes: []), RESPArgument(bytes: long)]
        var buffer = ByteBuffer(string: "+OK\r\n")
        RESPCommand("HMGET", arguments).encode(into: &buffer)
        var expected = "+OK\r\n*14\r\n$5\r\nHMGET\r\n"
        for index in 0..<11 { expected += "$\(6 + (index >= 10 ? 1 : 0))\r\nfield\(index)\r\n" }
        expected += "$0\r\n\r\n$\(length)\r\n"
        #expect(buffer.readableBytesView.prefix(expected.utf8.count).elementsEqual(expected.utf8))
        #expect(buffer.readableBytes == expected.utf8.count + length + 2)
        #expect(buffer.readableBytesView.dropFirst(expected.utf8.count).prefix(length).elementsEqual(long))
        #expect(buffer.readableBytesView.suffix(2).elementsEqual("\r\n".utf8))
    }

    @Test func clusterSlotsMatchRedis() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        #expect(ClusterSlot.crc16(Array("123456789".utf8)[...]) == 0x31C3)
        #expect(ClusterSlot.of(Array("foo".utf8)) == 12182)
        #expect(
            ClusterSlot.of(Array("{user1000}.following".utf8)) == ClusterSlot.of(Array("{user1000}.followers".utf8))
        )
        #expect(ClusterSlot.of(Array("foo{}{bar}".utf8)) == ClusterSlot.of(Array("foo{}{bar}".utf8)))
        #expect(ClusterSlot.of(Array("{}foo".utf8)) == ClusterSlot.of(Array("{}foo".utf8)))
        #expect(ClusterSlot.hashTag(Array("foo{{bar}}zap".utf8)) == Array("{bar".utf8)[...])
    }
}
