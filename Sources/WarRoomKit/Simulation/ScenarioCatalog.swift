import Foundation

/// The scenarios of one folder (`Playbooks/scenarios` by default): listing and lookup by id or path.
public struct ScenarioCatalog: Sendable {
    /// One line of `warroom scenarios list`.
    public struct Entry: Sendable, Equatable {
        /// The scenario's id, or the file name without `.yaml` when the file does not parse.
        public var id: String
        public var title: String
        public var path: String
        public var start: Instant?
        public var backends: Int
        /// Errors and warnings found while reading it.
        public var diagnostics: [Diagnostic]
    }

    public let folder: String

    /// - Parameter folder: the folder holding `*.yaml` scenario files.
    public init(folder: String) {
        self.folder = folder
    }

    /// The `.yaml`/`.yml` files of the folder, sorted by name.
    public func files() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(folder)/\($0)" }
    }

    /// Every scenario of the folder, in file-name order, with what was wrong with each.
    public func all() -> [Entry] {
        files().map { path in
            let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
            let (scenario, diagnostics) = ScenarioLoader.parse(bytes: bytes, file: path)
            let fallback = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            return Entry(id: scenario?.id ?? fallback, title: scenario?.title ?? "(does not load)", path: path, start: scenario?.start,
                         backends: scenario?.backends.count ?? 0, diagnostics: diagnostics)
        }
    }

    /// Finds a scenario by id (in the folder) or by file path.
    /// - Parameter idOrPath: `lb-misconfig-2023-11-05`, or a path to a `.yaml` file.
    /// - Returns: the loaded scenario.
    /// - Throws: `ScenarioFileError.notFound` (with a "did you mean"), `InputFileError`, or `ScenarioFileError.unreadable`.
    public func find(idOrPath: String) throws -> Scenario {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: idOrPath, isDirectory: &isFolder), !isFolder.boolValue {
            return try ScenarioLoader.load(path: idOrPath)
        }
        for ext in ["yaml", "yml"] {
            let candidate = "\(folder)/\(idOrPath).\(ext)"
            if FileManager.default.fileExists(atPath: candidate), let scenario = try? ScenarioLoader.load(path: candidate), scenario.id == idOrPath {
                return scenario
            }
        }
        let entries = all()
        if let entry = entries.first(where: { $0.id == idOrPath }) {
            return try ScenarioLoader.load(path: entry.path)
        }
        if idOrPath.contains("/") || idOrPath.hasSuffix(".yaml") || idOrPath.hasSuffix(".yml") {
            throw ScenarioFileError.unreadable(path: idOrPath, reason: "no such file")
        }
        throw ScenarioFileError.notFound(idOrPath: idOrPath, folder: folder, known: entries.map(\.id))
    }
}
