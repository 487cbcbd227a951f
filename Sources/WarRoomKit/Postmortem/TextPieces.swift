/// Text gathered into pieces of 64 KiB or so, each handed on as it fills: what writes a long
/// postmortem to a file or a pipe holds a piece, never the whole document.
struct TextPieces {
    private(set) var bytes: [UInt8] = []
    private let emit: ([UInt8]) -> Void

    /// How large a piece grows before it is handed on.
    static let pieceSize = 1 << 16

    /// Runs `write` over pieces each handed to `emit` as it fills, then hands on the rest.
    static func write(into emit: ([UInt8]) -> Void, _ write: (inout TextPieces) -> Void) {
        withoutActuallyEscaping(emit) { emit in
            var pieces = TextPieces(emit)
            write(&pieces)
            pieces.finish()
        }
    }

    /// What `render` hands on, piece by piece, joined into one string.
    static func joined(_ render: (_ emit: ([UInt8]) -> Void) -> Void) -> String {
        var whole: [UInt8] = []
        render { whole += $0 }
        return String(decoding: whole, as: UTF8.self)
    }

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
