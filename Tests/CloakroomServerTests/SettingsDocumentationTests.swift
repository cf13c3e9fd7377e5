import CloakroomServer
import Foundation
import Testing

/// Settings are described once, in `Setting` (names, summary, default): `cloakroomd --help` is
/// generated from it, and these checks keep the README's table and the real defaults in step.
@Suite("Settings are documented once")
struct SettingsDocumentationTests {
    /// The README's settings table, row by row, keyed by environment variable.
    func readmeRows() throws -> [String: [String]] {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `CLOAKROOM_") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            rows[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells
        }
        return rows
    }

    /// The leading value of a default's description: `100; 'unlimited' for none` → `100`.
    func leadingValue(_ text: String) -> String {
        let value = text.split(separator: ";")[0].split(separator: " (")[0].split(separator: ", ")[0]
        return value.trimmingCharacters(in: CharacterSet(charactersIn: "` "))
    }

    @Test("the README's table has a row per setting with its flag, file key and default")
    func readmeTableMatches() throws {
        let rows = try readmeRows()
        #expect(Set(rows.keys) == Set(Setting.allCases.map(\.environmentName)))
        for setting in Setting.allCases {
            let row = try #require(rows[setting.environmentName], "README lacks \(setting.environmentName)")
            #expect(row[1].contains("`\(setting.flag)`"), "\(setting.environmentName): flag")
            if setting != .configFile {
                #expect(row[1].contains("`\(setting.key)`"), "\(setting.environmentName): file key")
            }
            #expect(
                leadingValue(row[2]) == leadingValue(setting.defaultDescription),
                "\(setting.environmentName): README says \(row[2]), --help says \(setting.defaultDescription)"
            )
        }
    }

    @Test("setting a documented default changes nothing", arguments: Setting.allCases)
    func documentedDefaultIsTheDefault(_ setting: Setting) async throws {
        let value = leadingValue(setting.defaultDescription)
        // "none" and defaults that depend on another setting are not values to set.
        guard value != "none", !value.contains("<data dir>") else { return }
        let untouched = try await ServerConfiguration.load(arguments: ["cloakroomd"], environment: [:])
        let set = try await ServerConfiguration.load(
            arguments: ["cloakroomd"],
            environment: [setting.environmentName: value]
        )
        var expected = ""
        var actual = ""
        dump(untouched, to: &expected)
        dump(set, to: &actual)
        #expect(actual == expected, "\(setting.environmentName)=\(value) is not the default it claims to be")
    }
}
