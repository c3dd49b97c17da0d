import ArgumentParser
import Foundation
import Manifest

/// `keysync schema`: prints the manifest's JSON Schema, for editors and for
/// `schema/keys.schema.json` (a test keeps that file equal to this output).
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of keys.yaml, for editors.",
        discussion: """
            Generated from the definitions `keysync validate` uses. Editors running \
            yaml-language-server read it from a first line such as
              # yaml-language-server: $schema=schema/keys.schema.json

            Examples:
              keysync schema > schema/keys.schema.json
            """
    )

    func run() throws {
        Console.current.write(ManifestSchema.jsonText)
    }
}
