import APITestSupport
import CloakroomServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The OpenAPI description")
struct OpenAPIDescriptionTests {
    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/CloakroomServer/OpenAPI/openapi.json")

    static func document() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    }

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `METHOD /path/{parameter}` of every operation described.
    static func describedOperations() throws -> Set<String> {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        return Set(
            paths.flatMap { path, item in
                item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
            }
        )
    }

    /// `METHOD /path/{parameter}` of every route of a router with all pages on.
    static func routedOperations(pages: PageOptions) async throws -> Set<String> {
        let harness = try await APITestHarness()
        let router = try CloakroomApplication.buildRouter(
            manager: harness.manager,
            tokens: harness.tokens,
            limiter: harness.limiter,
            apiKeys: harness.apiKeys,
            maximumBodySize: ServerConfiguration().maximumBodySize,
            pages: pages
        )
        return Set(
            router.routes.map { route in
                let path = route.path.description.split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    .joined(separator: "/")
                return "\(route.method.rawValue) \(path)"
            }
        )
    }

    @Test("describes every route the server has, and nothing else")
    func routesMatch() async throws {
        let described = try Self.describedOperations()
        let routed = try await Self.routedOperations(pages: PageOptions(demoSignIn: true))
        #expect(routed.subtracting(described).sorted() == [], "routes missing from openapi.json")
        #expect(described.subtracting(routed).sorted() == [], "operations in openapi.json the server lacks")
        // Without the demo, its pages answer 404 (described) or are not routed at all: nothing new.
        let plain = try await Self.routedOperations(pages: PageOptions())
        #expect(plain.subtracting(described).sorted() == [])
    }

    @Test("GET /openapi.json serves the checked-in file byte for byte, with no API key")
    func served() async throws {
        let harness = try await APITestHarness()
        let expected = try Data(contentsOf: Self.file)
        try await harness.run { client in
            try await client.client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                // OpenAPIDocument.swift is stale otherwise: run scripts/generate-openapi.
                #expect(Data(response.body.readableBytesView) == expected)
            }
        }
    }

    @Test("names every error code the API answers with, and no other")
    func errorCodes() throws {
        let components = try #require(try Self.document()["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let error = try #require(schemas["Error"] as? [String: Any])
        let detail = try #require((error["properties"] as? [String: Any])?["error"] as? [String: Any])
        let code = try #require((detail["properties"] as? [String: Any])?["code"] as? [String: Any])
        let described = try #require(code["enum"] as? [String])
        #expect(described.sorted() == APIError.Code.all.map(\.rawValue).sorted())
    }

    @Test("every reference resolves, every operation has a unique ID, every path parameter is declared")
    func wellFormed() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let text = try String(contentsOf: Self.file, encoding: .utf8)
        let references = try Regex(##""\$ref": "#/([^"]+)""##)
        for match in text.matches(of: references) {
            let pointer = String(match.output[1].substring ?? "")
            var node: Any? = document
            for part in pointer.split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            #expect(node != nil, "$ref #/\(pointer) resolves to nothing")
        }
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operationIDs: [String] = []
        for (path, item) in paths {
            let templated = Set(
                path.matches(of: try Regex(#"\{([^}]+)\}"#)).map { String($0.output[1].substring ?? "") }
            )
            for (method, value) in item where Self.methods.contains(method) {
                let operation = try #require(value as? [String: Any])
                operationIDs.append(try #require(operation["operationId"] as? String, "\(method) \(path)"))
                let responses = try #require(operation["responses"] as? [String: Any])
                #expect(!responses.isEmpty, "\(method) \(path) describes no response")
                let parameters = (operation["parameters"] as? [[String: Any]]) ?? []
                let declared = Set(
                    parameters.filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String }
                )
                #expect(declared == templated, "\(method) \(path) declares path parameters \(declared.sorted())")
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count, "operation IDs repeat")
    }
}
