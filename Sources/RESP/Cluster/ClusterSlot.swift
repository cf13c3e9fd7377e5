/// Redis Cluster's key → slot mapping: CRC16 (XMODEM) of the key, or of its hash tag, mod 16384.
public enum ClusterSlot {
    /// The number of slots in a cluster.
    public static let count = 16384

    /// The slot `key` lives in. When the key holds `{…}` with at least one byte inside, only
    /// those bytes are hashed, so keys sharing a tag share a slot.
    public static func of(_ key: [UInt8]) -> Int {
        Int(crc16(hashTag(key)) % UInt16(count))
    }

    /// The part of the key that is hashed.
    static func hashTag(_ key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
            let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
            close > open + 1
        else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0.
    static func crc16(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
