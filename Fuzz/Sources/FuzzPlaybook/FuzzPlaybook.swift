import WarRoomKit

/// Any bytes as a playbook file: linting reports problems, never traps, hangs or explodes
/// (aliases are budgeted), and a playbook that loads can be walked from its first step: begun,
/// its first entries folded into an incident, its timers computed for a day and its status read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlaybook(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let diagnostics = PlaybookLoader.lint(bytes: bytes, file: "fuzz.yaml")
    if diagnostics.isEmpty, let playbook = try? PlaybookLoader.load(bytes: bytes, file: "fuzz.yaml") {
        let start = Instant(milliseconds: 1_700_000_000_000)
        var state = IncidentState()
        if let begun = try? PlaybookProgress(playbook: playbook, state: state).begin(at: start) {
            for (index, draft) in begun.entries.enumerated() {
                state.apply(draft.entry(seq: index + 1, now: start, wall: start, by: "fuzz"))
            }
        }
        let progress = PlaybookProgress(playbook: playbook, state: state)
        _ = progress.dueTimers(from: start, through: start + 86_400_000)
        _ = progress.status(at: start + 3_600_000)
    }
    return 0
}
