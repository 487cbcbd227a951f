/// One of the postmortem's long lists (lessons, notes tagged for a section, configuration
/// changes): a long incident has them by the tens of thousands, and a postmortem is written
/// once. Compiled from a transcript, an item is made when it is read, from the kept entry it
/// comes from; what is held is which entries, in order (spilled with the other columns past
/// `PostmortemLimits.heldTranscriptBytes`). Built from items (`init(_:)`, an array literal), it
/// holds them.
public struct PostmortemList<Element: Sendable & Equatable>: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    private enum Storage: Sendable {
        case items([Element])
        /// The kept entries' positions, and what makes an item of one.
        case made(SpillColumn<Int32>, @Sendable (Int) -> Element)
    }

    private let storage: Storage

    public init(_ items: [Element]) { storage = .items(items) }
    public init(arrayLiteral items: Element...) { storage = .items(items) }

    /// Items made by `make` from the kept entries at `positions`, in that order.
    init(positions: SpillColumn<Int32>, make: @escaping @Sendable (Int) -> Element) { storage = .made(positions, make) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .items(let items): items.count
        case .made(let positions, _): positions.count
        }
    }

    public subscript(position: Int) -> Element {
        switch storage {
        case .items(let items): items[position]
        case .made(let positions, let make): make(Int(positions[position]))
        }
    }

    /// The same list with each item transformed when it is read.
    func mapped<Other>(_ transform: @escaping @Sendable (Element) -> Other) -> PostmortemList<Other> {
        switch storage {
        case .items(let items): PostmortemList<Other>(items.map(transform))
        case .made(let positions, let make): PostmortemList<Other>(positions: positions) { transform(make($0)) }
        }
    }

    public static func == (a: PostmortemList, b: PostmortemList) -> Bool { a.elementsEqual(b) }
}
