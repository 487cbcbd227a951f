/// Text gathered into pieces of 64 KiB or so, each handed on as it fills: what writes a long
/// postmortem to a file or a pipe holds a piece, never the whole document.
struct TextPieces {
    private var text = ""
    private let emit: (String) -> Void

    /// How large a piece grows before it is handed on.
    static let pieceSize = 1 << 16

    init(_ emit: @escaping (String) -> Void) {
        self.emit = emit
        text.reserveCapacity(Self.pieceSize + 4096)
    }

    static func += (pieces: inout TextPieces, more: String) {
        pieces.text += more
        if pieces.text.utf8.count >= pieceSize { pieces.handOn() }
    }

    /// Hands on what is left.
    mutating func finish() {
        if !text.isEmpty { handOn() }
    }

    private mutating func handOn() {
        emit(text)
        text.removeAll(keepingCapacity: true)
    }
}
