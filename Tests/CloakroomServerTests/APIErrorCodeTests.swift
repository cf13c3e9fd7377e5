import Foundation
import Testing

@testable import CloakroomServer

@Suite("The HTTP API's error codes")
struct APIErrorCodeTests {
    @Test("every code is distinct, snake_case, and in the README's table of errors")
    func codesAreDocumented() throws {
        let raw = APIError.Code.all.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for code in raw {
            #expect(code.allSatisfy { $0 == "_" || ("a"..."z").contains($0) }, "\(code) is not snake_case")
        }
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let table = try #require(text.range(of: "| Status | Codes |")).upperBound
        let tableText = String(text[table...]).components(separatedBy: "\n\n")[0]
        for code in raw {
            #expect(tableText.contains("`\(code)`"), "README's error table does not name `\(code)`")
        }
    }
}
