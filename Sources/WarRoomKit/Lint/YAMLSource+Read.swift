import Foundation

extension YAMLSource {
    /// A YAML file's bytes, or why they cannot be had, as a diagnostic at its first line.
    /// - Parameters:
    ///   - missing: what to give instead of a file that does not exist (`give a playbook's path …`).
    ///   - folder: what to give instead of a folder (`give a playbook file (*.yaml)`).
    static func read(_ path: String, missing: String, folder: String) -> Result<[UInt8], InputFileError> {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            return .failure(InputFileError([Diagnostic(file: path, line: 1, column: 1, message: "no such file; \(missing)")]))
        }
        guard !isFolder.boolValue else {
            return .failure(InputFileError([Diagnostic(file: path, line: 1, column: 1, message: "is a folder; \(folder)")]))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(InputFileError([Diagnostic(file: path, line: 1, column: 1, message: "cannot be read (check its permissions)")]))
        }
        return .success([UInt8](data))
    }
}
