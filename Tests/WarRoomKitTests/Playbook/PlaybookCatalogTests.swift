import Foundation
import Testing
import WarRoomTestSupport
@testable import WarRoomKit

@Suite struct PlaybookCatalogTests {
    static let small = """
        playbook: tiny
        title: A tiny playbook
        version: 3
        phases:
          - name: only
            steps:
              - id: one
                title: The one step

        """

    @Test func listsAFoldersPlaybooksAndFindsThemByIDOrPath() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try Self.small.write(toFile: folder.file("named-differently.yaml"), atomically: true, encoding: .utf8)
        try "playbook: broken\n".write(toFile: folder.file("broken.yaml"), atomically: true, encoding: .utf8)
        try "not a playbook".write(toFile: folder.file("notes.txt"), atomically: true, encoding: .utf8)

        let catalog = PlaybookCatalog(folders: [folder.path, folder.file("missing")])
        #expect(catalog.entries.map(\.id) == ["broken", "tiny"])
        let tiny = try #require(catalog.entries.last)
        #expect(tiny.version == 3 && tiny.phases == 1 && tiny.steps == 1 && tiny.title == "A tiny playbook")
        #expect(tiny.sha256 == HashChain.sha256(Array(Self.small.utf8)))
        #expect(catalog.entries.first?.isValid == false)

        let byID = try catalog.find("tiny")
        #expect(byID.path == folder.file("named-differently.yaml"))
        #expect(byID.sha256 == tiny.sha256)
        let byPath = try catalog.find(folder.file("named-differently.yaml"))
        #expect(byPath.id == "tiny")

        let listing = catalog.listing()
        #expect(listing.contains("tiny          3       1      1  A tiny playbook"))
        #expect(listing.contains("broken        -       -      -  (3 problems: warroom playbooks lint \(folder.file("broken.yaml")))"))
    }

    @Test func unknownIDSuggestsTheClosestAndSaysWhatToDo() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try Self.small.write(toFile: folder.file("tiny.yaml"), atomically: true, encoding: .utf8)
        let catalog = PlaybookCatalog(folders: [folder.path])
        #expect(throws: PlaybookCatalogError.notFound(reference: "tiyn", folders: [folder.path], suggestion: "tiny")) {
            try catalog.find("tiyn")
        }
        let message = PlaybookCatalogError.notFound(reference: "tiyn", folders: [folder.path], suggestion: "tiny").description
        #expect(message == "no playbook 'tiyn' in \(folder.path); did you mean 'tiny'? see `warroom playbooks list`, or give a path to a .yaml file")
    }

    @Test func aBrokenFileFoundByIDThrowsItsProblems() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try "playbook: broken\n".write(toFile: folder.file("broken.yaml"), atomically: true, encoding: .utf8)
        let catalog = PlaybookCatalog(folders: [folder.path])
        #expect(throws: InputFileError.self) { try catalog.find("broken") }
    }

    @Test func resumeWarnsWhenThePlaybookChanged() throws {
        let original = try PlaybookLoader.load(bytes: Array(Self.small.utf8), file: "tiny.yaml")
        #expect(original.changeWarning(comparedWith: original.openRecord) == nil)
        let edited = try PlaybookLoader.load(bytes: Array(Self.small.replacingOccurrences(of: "version: 3", with: "version: 4").utf8), file: "tiny.yaml")
        let warning = try #require(edited.changeWarning(comparedWith: original.openRecord))
        #expect(warning.hasPrefix("playbook 'tiny' has changed since the incident was opened (version 3 then, 4 now)"))
    }
}
