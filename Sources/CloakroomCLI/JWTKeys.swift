import ArgumentParser
import Cloakroom
import CloakroomTokens
import Foundation

struct JWTKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt-keys",
        abstract: "List and rotate the keys that sign access tokens.",
        discussion: """
            The first key in the file signs new tokens; every key verifies and is published at \
            /.well-known/jwks.json. cloakroomd reads the file at start: restart instances after a change.

            Rotation without a single refused token:
              cloakroom jwt-keys add --later     # published, not signing yet; restart instances
              (wait until verifiers have refetched the JWKS, e.g. 5 minutes)
              cloakroom jwt-keys promote KID     # signs from the next restart
              (wait one access-token lifetime)
              cloakroom jwt-keys remove OLDKID
            """,
        subcommands: [List.self, Add.self, Promote.self, Remove.self]
    )

    struct FileOption: ParsableArguments {
        @Option(
            name: .long,
            help: "The keys file (default: $CLOAKROOM_JWT_KEYS_FILE, else ./cloakroom-data/jwt-keys.json)."
        )
        var file: String?

        var path: String {
            file ?? ProcessInfo.processInfo.environment["CLOAKROOM_JWT_KEYS_FILE"] ?? "./cloakroom-data/jwt-keys.json"
        }

        func load() throws -> SigningKeySet {
            do {
                return try SigningKeySet.load(path: path, setting: "--file")
            } catch {
                throw ValidationError(error.message)
            }
        }

        func save(_ keys: SigningKeySet) throws {
            do {
                try keys.write(to: path, replacing: true, setting: "--file")
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys, the signing one first.")
        @OptionGroup var file: FileOption

        func run() async throws {
            let keys = try file.load()
            for (index, key) in keys.keys.enumerated() {
                print("\(key.id)\t\(key.algorithm.rawValue)\t\(index == 0 ? "signs and verifies" : "verifies")")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a fresh key (creating the file if needed).")
        @OptionGroup var file: FileOption
        @Option(help: "ES256, EdDSA or RS256.") var algorithm = "ES256"
        @Option(help: "The key ID (default: the date and 8 random hex digits).") var id: String?
        @Flag(help: "Publish the key without signing with it yet (promote it later).") var later = false

        func run() async throws {
            guard let algorithm = SigningAlgorithm(name: algorithm) else {
                throw ValidationError("--algorithm: expected ES256, EdDSA or RS256, got '\(algorithm.prefix(20))'")
            }
            do {
                let key = try SigningKey.generate(algorithm, id: id)
                if FileManager.default.fileExists(atPath: file.path) {
                    let keys = try file.load()
                    let added = later ? try SigningKeySet(keys: keys.keys + [key]) : try keys.adding(key)
                    try file.save(added)
                } else {
                    try file.save(try SigningKeySet(keys: [key]))
                }
                print(
                    "added \(algorithm.rawValue) key \(key.id) to \(file.path); "
                        + (later
                            ? "it is published from the next restart; promote it to sign with it"
                            : "it signs new tokens from the next restart")
                )
            } catch let error as CloakroomError {
                throw ValidationError(error.message)
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key the signing one.")
        @OptionGroup var file: FileOption
        @Argument(help: "The key ID.") var id: String

        func run() async throws {
            let keys = try file.load()
            guard let key = keys.keys.first(where: { $0.id == id }) else {
                throw ValidationError("no key '\(id.prefix(64))' in \(file.path); `cloakroom jwt-keys list` shows them")
            }
            do {
                try file.save(try SigningKeySet(keys: [key] + keys.keys.filter { $0.id != id }))
            } catch let error as CloakroomError {
                throw ValidationError(error.message)
            }
            print("\(id) signs new tokens from the next restart")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a key; tokens it signed stop verifying at the next restart."
        )
        @OptionGroup var file: FileOption
        @Argument(help: "The key ID.") var id: String

        func run() async throws {
            let keys = try file.load()
            guard keys.keys.contains(where: { $0.id == id }) else {
                throw ValidationError("no key '\(id.prefix(64))' in \(file.path); `cloakroom jwt-keys list` shows them")
            }
            guard keys.current.id != id else {
                throw ValidationError("\(id) is the signing key; promote another key first")
            }
            do {
                try file.save(try SigningKeySet(keys: keys.keys.filter { $0.id != id }))
            } catch let error as CloakroomError {
                throw ValidationError(error.message)
            }
            print("removed \(id); tokens it signed stop verifying when instances restart")
        }
    }
}
