#if canImport(Glibc)
import Glibc
#endif

/// Incident ids and transcript file names: `2023-11-05-0330-messaging-pool-weights`.
public enum IncidentID {
    /// An id from the incident's start time and a slug of its title.
    public static func make(at instant: Instant, title: String) -> String {
        let c = instant.components
        let stamp = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))-\(pad(c.hour, 2))\(pad(c.minute, 2))"
        let slug = slugify(title)
        return slug.isEmpty ? stamp : "\(stamp)-\(slug)"
    }

    /// Lowercase ASCII letters and digits joined by dashes, at most five words.
    public static func slugify(_ text: String) -> String {
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current.lowercased())
                current = ""
            }
        }
        if !current.isEmpty { words.append(current.lowercased()) }
        return words.prefix(5).joined(separator: "-")
    }

    /// `folder/id.jsonl`, or `folder/id-2.jsonl` … when taken.
    /// - Throws: `TranscriptError.folderMissing` when the folder does not exist.
    public static func freePath(folder: String, id: String) throws -> String {
        var info = stat()
        guard stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw TranscriptError.folderMissing(path: folder)
        }
        var candidate = "\(folder)/\(id).jsonl"
        var counter = 2
        while access(candidate, F_OK) == 0 {
            candidate = "\(folder)/\(id)-\(counter).jsonl"
            counter += 1
        }
        return candidate
    }
}
