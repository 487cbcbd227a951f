import Foundation

/// The playbooks found in a list of folders (`--playbooks DIR`, `$WARROOM_PLAYBOOKS`,
/// `./Playbooks`, in that order): what `warroom playbooks list` shows and how `start
/// --playbook ID|PATH` finds one.
public struct PlaybookCatalog: Sendable {
    /// One playbook file as listed.
    public struct Entry: Sendable, Equatable {
        /// The playbook's id, or the file name without extension when the file does not load.
        public var id: String
        public var version: Int?
        public var title: String?
        public var phases: Int
        public var steps: Int
        public var path: String
        /// SHA-256 of the file's bytes.
        public var sha256: String
        /// The file's problems; empty when it loads.
        public var diagnostics: [Diagnostic]

        /// The file loads without problems.
        public var isValid: Bool { diagnostics.isEmpty }
    }

    /// The folders searched, in order.
    public let folders: [String]
    /// Every `*.yaml`/`*.yml` file in the folders (not in sub-folders such as `scenarios/`),
    /// sorted by id; an id found in an earlier folder hides the same id in later ones.
    public let entries: [Entry]

    /// Lists the playbooks in `folders`; folders that do not exist are skipped.
    /// - Parameter folders: the folders to search, first match wins.
    public init(folders: [String]) {
        self.folders = folders
        var seen = Set<String>()
        var entries: [Entry] = []
        for folder in folders {
            for path in PlaybookCatalog.files(in: folder) {
                let entry = PlaybookCatalog.entry(path: path)
                if seen.insert(entry.id).inserted { entries.append(entry) }
            }
        }
        self.entries = entries.sorted { $0.id < $1.id }
    }

    /// Finds a playbook by path (anything with a `/` or ending in `.yaml`/`.yml`, or an
    /// existing file) or by id in the catalog's folders.
    /// - Parameter reference: what the responder typed after `--playbook`.
    /// - Returns: the loaded playbook.
    /// - Throws: `PlaybookCatalogError.notFound` when no playbook has that id, or
    ///   `InputFileError` when the file has problems.
    public func find(_ reference: String) throws -> Playbook {
        if PlaybookCatalog.looksLikePath(reference) || FileManager.default.fileExists(atPath: reference) {
            return try PlaybookLoader.load(path: reference)
        }
        // The usual layout names the file after the id: try that before reading every file.
        for folder in folders {
            for ext in ["yaml", "yml"] {
                let path = "\(folder)/\(reference).\(ext)"
                if FileManager.default.fileExists(atPath: path), let playbook = try? PlaybookLoader.load(path: path), playbook.id == reference {
                    return playbook
                }
            }
        }
        if let entry = entries.first(where: { $0.id == reference }) {
            return try PlaybookLoader.load(path: entry.path)
        }
        throw PlaybookCatalogError.notFound(reference: reference, folders: folders,
                                            suggestion: Suggest.closest(to: reference, in: entries.map(\.id)))
    }

    /// A table for `warroom playbooks list`: id, version, phases, steps, title; files with
    /// problems say how many and how to see them.
    public func listing() -> String {
        guard !entries.isEmpty else {
            return "no playbooks in " + folders.joined(separator: ", ") + " (give --playbooks DIR or set WARROOM_PLAYBOOKS)"
        }
        let idWidth = max(2, entries.map(\.id.count).max() ?? 0)
        var lines = ["\("ID".padding(toLength: idWidth, withPad: " ", startingAt: 0))  VERSION  PHASES  STEPS  TITLE"]
        for entry in entries {
            let id = entry.id.padding(toLength: idWidth, withPad: " ", startingAt: 0)
            if entry.isValid {
                let version = String(entry.version ?? 0).leftPadded(7)
                lines.append("\(id)  \(version)  \(String(entry.phases).leftPadded(6))  \(String(entry.steps).leftPadded(5))  \(entry.title ?? "")")
            } else {
                let count = entry.diagnostics.count
                lines.append("\(id)  \("-".leftPadded(7))  \("-".leftPadded(6))  \("-".leftPadded(5))  (\(count) problem\(count == 1 ? "" : "s"): warroom playbooks lint \(entry.path))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func looksLikePath(_ reference: String) -> Bool {
        reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
    }

    static func files(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
            .sorted()
            .map { folder.hasSuffix("/") ? folder + $0 : "\(folder)/\($0)" }
            .filter { path in
                var isFolder: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
            }
    }

    static func entry(path: String) -> Entry {
        let fallbackID = String((path.split(separator: "/").last ?? "").split(separator: ".").first ?? "")
        switch PlaybookLoader.read(path) {
        case .failure(let error):
            return Entry(id: fallbackID, phases: 0, steps: 0, path: path, sha256: "", diagnostics: error.diagnostics)
        case .success(let bytes):
            let sha = HashChain.sha256(bytes)
            let result = PlaybookLoader.parse(bytes: bytes, file: path)
            guard let playbook = result.playbook else {
                return Entry(id: fallbackID, phases: 0, steps: 0, path: path, sha256: sha, diagnostics: result.diagnostics)
            }
            return Entry(id: playbook.id, version: playbook.version, title: playbook.title, phases: playbook.phases.count,
                         steps: playbook.stepCount, path: path, sha256: sha, diagnostics: [])
        }
    }
}

/// Why `PlaybookCatalog.find` found nothing.
public enum PlaybookCatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No file in the folders holds a playbook with this id.
    case notFound(reference: String, folders: [String], suggestion: String?)

    public var description: String {
        switch self {
        case .notFound(let reference, let folders, let suggestion):
            let hint = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "no playbook '\(reference)' in \(folders.joined(separator: ", ")); \(hint)"
                + "see `warroom playbooks list`, or give a path to a .yaml file"
        }
    }
}

fileprivate extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
