/// Finds one cookie's value in a request's `Cookie` headers without building a dictionary of
/// all of them, and without allocating for the cookies it skips.
///
/// Framework integrations pass the values of every `Cookie` header the request carries.
public enum CookieHeader {
    /// The value of the first cookie called `name` in one `Cookie` header's value, or `nil`;
    /// surrounding quotes are removed.
    public static func value(named name: String, inHeader header: String) -> Substring? {
        valueRange(named: name, in: header).map { header[$0] }
    }

    /// The value of the first cookie called `name` in any of `headers` (each a `Cookie` header's
    /// value, in the order the request carries them), or `nil`.
    public static func value(named name: String, inHeaders headers: some Sequence<String>) -> Substring? {
        for header in headers {
            if let value = value(named: name, inHeader: header) { return value }
        }
        return nil
    }

    /// Where the value of the cookie called `name` lies in one `Cookie` header.
    ///
    /// The header is scanned as bytes: cookie names and the separators are ASCII, so there is no
    /// need for the grapheme breaking that `Character` comparisons cost.
    static func valueRange(named name: String, in header: String) -> Range<String.Index>? {
        var header = header
        var name = name
        let offsets = header.withUTF8 { bytes in name.withUTF8 { wanted in scan(bytes, for: wanted) } }
        guard let offsets else { return nil }
        let utf8 = header.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: offsets.lowerBound)
        return lower..<utf8.index(lower, offsetBy: offsets.count)
    }
    /// The byte offsets of the value of `name` in `bytes` (`a=1; b=2` pairs).
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, for name: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        // A plain loop: `elementsEqual` on a rebased slice goes through iterators, several times
        // the instructions for a cookie name on every request.
        func nameIsAt(_ offset: Int) -> Bool {
            for index in 0..<name.count where bytes[offset + index] != name[index] { return false }
            return true
        }
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ";") { end += 1 }
            var pairStart = start
            while pairStart < end, isBlank(bytes[pairStart]) { pairStart += 1 }
            if end - pairStart > name.count, bytes[pairStart + name.count] == UInt8(ascii: "="), nameIsAt(pairStart) {
                var valueStart = pairStart + name.count + 1
                var valueEnd = end
                while valueEnd > valueStart, isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
                if valueEnd - valueStart >= 2, bytes[valueStart] == UInt8(ascii: "\""),
                    bytes[valueEnd - 1] == UInt8(ascii: "\"")
                {
                    valueStart += 1
                    valueEnd -= 1
                }
                return valueStart..<valueEnd
            }
            start = end + 1
        }
        return nil
    }
}
