import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

/// The published scenario schema accepts the bundled scenarios and, like the linter, rejects
/// a misspelt field, so editors that validate with it agree with `warroom scenarios lint`.
@Suite struct ScenarioSchemaTests {
    static let schema = "\(repositoryRoot)/Playbooks/schema/scenario.schema.json"

    @Test func bundledScenariosValidateAgainstTheSchema() throws {
        let files = ScenarioCatalog(folder: "\(repositoryRoot)/Playbooks/scenarios").files()
        #expect(files.count >= 5)
        guard let result = try ExternalTool.checkJSONSchema.run(["--schemafile", Self.schema] + files) else { return }
        #expect(result.status == 0, "\(result.output)\(result.errors)")
    }

    @Test func schemaAndLinterBothRejectAMisspeltField() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let original = try String(contentsOfFile: "\(repositoryRoot)/Playbooks/scenarios/retry-storm.yaml", encoding: .utf8)
        let broken = original.replacingOccurrences(of: "\nusers:", with: "\nuser:")
        #expect(broken != original)
        let path = folder.file("broken.yaml")
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(ScenarioLoader.lint(bytes: Array(broken.utf8), file: path).contains { $0.message.contains("'user'") })
        guard let result = try ExternalTool.checkJSONSchema.run(["--schemafile", Self.schema, path]) else { return }
        #expect(result.status != 0)
    }
}
