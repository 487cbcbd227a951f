/// Text gathered into pieces of 64 KiB or so, each handed on as it fills: what writes a long
/// postmortem to a file or a pipe holds a piece, never the whole document.
struct TextPieces {
    private(set) var bytes: [UInt8] = []
    private let emit: ([UInt8]) -> Void

    /// How large a piece grows before it is handed on.
    static let pieceSize = 1 << 16

    init(_ emit: @escaping ([UInt8]) -> Void) {
        self.emit = emit
        bytes.reserveCapacity(Self.pieceSize + 4096)
    }

    static func += (pieces: inout TextPieces, more: String) {
        pieces.bytes.append(contentsOf: more.utf8)
        pieces.handOnIfFull()
    }

    /// Appends what `write` puts at the end of the piece, then hands the piece on if full.
    mutating func append(_ write: (inout [UInt8]) -> Void) {
        write(&bytes)
        handOnIfFull()
    }

    /// Hands on what is left.
    mutating func finish() {
        if !bytes.isEmpty { handOn() }
    }

    private mutating func handOnIfFull() {
        if bytes.count >= Self.pieceSize { handOn() }
    }

    private mutating func handOn() {
        emit(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}
