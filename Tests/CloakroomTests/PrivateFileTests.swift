import Cloakroom
import CloakroomTesting
import Foundation
import Testing

@Suite("Private files: owner-only, whole, and never through a link")
struct PrivateFileTests {
    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    func contents(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    @Test("missing folders are made 0700, the file 0600, and no temporary file is left")
    func modesAndNoLeftovers() throws {
        let root = try TemporaryFolder()
        let folder = root.url.path + "/a/b"
        let path = folder + "/keys.json"
        #expect(try PrivateFile.write(Array("one".utf8), to: path, placement: .replace))
        #expect(try contents(path) == "one")
        #expect(try mode(path) == 0o600)
        #expect(try mode(folder) == 0o700)
        #expect(try mode(root.url.path + "/a") == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keys.json"])
    }

    @Test("replace replaces; createNew leaves an existing file and says so")
    func placements() throws {
        let root = try TemporaryFolder()
        let path = root.url.path + "/ring.json"
        #expect(try PrivateFile.write(Array("first".utf8), to: path, placement: .createNew))
        #expect(!(try PrivateFile.write(Array("second".utf8), to: path, placement: .createNew)))
        #expect(try contents(path) == "first")
        #expect(try PrivateFile.write(Array("third".utf8), to: path, placement: .replace))
        #expect(try contents(path) == "third")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.url.path) == ["ring.json"])
    }

    @Test("a symbolic link at the path is replaced, never written through")
    func linksAreNotFollowed() throws {
        let root = try TemporaryFolder()
        let target = root.url.path + "/elsewhere.txt"
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: target))
        let path = root.url.path + "/admin-key.txt"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        try PrivateFile.write(Array("secret".utf8), to: path, placement: .replace)
        #expect(try contents(target) == "untouched")
        #expect(try contents(path) == "secret")
        let type = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
        #expect(type == .typeRegular)
    }

    @Test("a folder that cannot be made is an error naming the step")
    func failuresNameTheStep() throws {
        let root = try TemporaryFolder()
        let file = root.url.path + "/plain"
        try Data().write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: PrivateFile.Failure.self) {
            try PrivateFile.write(Array("x".utf8), to: file + "/below/key.json", placement: .replace)
        }
        #expect(error?.description.contains("create the folder") == true)
    }
}
