#if canImport(Glibc)
import Glibc
#endif

/// Intake's embedded default: incidents as transcripts in a folder. Each group's incidents are
/// found from the first line of each transcript (the `open` entry's `alert_group`), read once
/// per file and kept; a file intake has not seen is read when a group is looked up.
///
/// Intake appends only while no shell holds an incident: a `resume`d transcript is locked, and
/// the notification is answered 5xx so that Alertmanager sends it again after the shell lets go.
public final class AlertFolder: AlertDestination {
    public let folder: String
    public var provider: any IncidentStoreProvider { TranscriptFolder(path: folder) }
    public var label: String { folder }
    /// file name → its group key (`nil`: not opened from an alert).
    private var seen: [String: String?] = [:]
    /// group key → its incidents with when each opened.
    private var groups: [String: [(id: String, opened: Instant)]] = [:]

    public init(folder: String) {
        self.folder = folder
    }

    /// The folder is listed on every call, so `fresh` changes nothing.
    public func incidents(group: String, fresh: Bool) throws -> [String] {
        let names = try TranscriptFolderListing.names(in: folder)
        // A transcript moved away (archived, say) no longer stands for its group.
        let present = Set(names)
        for name in seen.keys where !present.contains(name) {
            if let key = seen[name] ?? nil { groups[key]?.removeAll { $0.id == String(name.dropLast(".jsonl".count)) } }
            seen[name] = nil
        }
        for name in names where seen[name] == nil {
            let open = Self.openEntry(ofFirstLineIn: "\(folder)/\(name)")
            let key = open?.data["alert_group"]?["key"]?.stringValue
            seen[name] = .some(key)
            if let key, let open { groups[key, default: []].append((String(name.dropLast(".jsonl".count)), open.at)) }
        }
        // In the order they opened: the last is the one a notification goes to.
        return (groups[group] ?? []).sorted { ($0.opened, $0.id) < ($1.opened, $1.id) }.map(\.id)
    }

    public func open(incident: String) throws -> any TranscriptStore {
        let path = "\(folder)/\(incident).jsonl"
        let (writer, read, _) = try TranscriptWriter.openVerified(path: path, acceptingBrokenChain: false) { _ in }
        do {
            _ = try writer.continueAfter(read)
        } catch {
            writer.close()
            throw error
        }
        return writer
    }

    public func release(_ store: any TranscriptStore, incident: String, failed: Bool) {
        store.close()
    }

    /// Found again by the next lookup, which reads the new file's first line.
    public func opened(_ incident: String, group: String) {}

    /// A transcript's `open` entry, from its first line.
    static func openEntry(ofFirstLineIn path: String) -> TranscriptEntry? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while line.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            guard count > 0 else { break }
            if let newline = chunk[0..<count].firstIndex(of: 0x0A) {
                line += chunk[0..<newline]
                break
            }
            line += chunk[0..<count]
        }
        let body = ByteOrderMark.stripped(line)
        guard let entry = try? TranscriptEntry.decode(line: body, number: 1), entry.kind == .open else { return nil }
        return entry
    }
}

/// The transcripts in a folder, by file name.
enum TranscriptFolderListing {
    static func names(in folder: String) throws -> [String] {
        guard let directory = opendir(folder) else {
            throw TranscriptError.notWritable(path: folder, reason: "cannot read the folder: \(String(cString: strerror(errno)))")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".jsonl"), !name.hasPrefix(".") { names.append(name) }
        }
        return names
    }
}
