/// The Appendix's full timeline: every bullet, in order of when it took effect.
///
/// A long incident has hundreds of thousands of bullets, and a postmortem is written once: the
/// bullets compiled from a transcript are made as they are read, from the entries the compile
/// kept, and what is held is which entry each bullet comes from, in order. Built from items
/// (`init(_:)`, an array literal), it holds them.
public struct PostmortemTimeline: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    private enum Storage: Sendable {
        case items([PostmortemModel.TimelineItem])
        /// The maker, and the positions of the kept entries the bullets come from, in order.
        case made(Maker, SpillColumn<Int32>)
    }

    private let storage: Storage

    public init(_ items: [PostmortemModel.TimelineItem]) { storage = .items(items) }
    public init(arrayLiteral items: PostmortemModel.TimelineItem...) { storage = .items(items) }

    /// Bullets made by `maker` from the kept entries at `positions`, in that order.
    init(maker: Maker, positions: SpillColumn<Int32>) { storage = .made(maker, positions) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .items(let items): items.count
        case .made(_, let positions): positions.count
        }
    }

    public subscript(position: Int) -> PostmortemModel.TimelineItem {
        switch storage {
        case .items(let items): return items[position]
        case .made(let maker, let positions):
            // A position is kept only where the entry made a bullet, and the maker's inputs
            // never change: it makes one again (an entry put down and changed in the file under
            // the compile is read back as a note saying so).
            return maker.item(Int(positions[position])) ?? maker.unmade(Int(positions[position]))
        }
    }

    public static func == (a: PostmortemTimeline, b: PostmortemTimeline) -> Bool { a.elementsEqual(b) }

    /// Makes the bullet of a kept entry: what the compile knew once every entry was read.
    final class Maker: Sendable {
        let builder: PostmortemBuilder
        let record: PostmortemBuilder.Corrections
        /// When `escalate` was run, for the `escalated` milestone it marks too.
        let escalations: Set<Instant>

        init(builder: PostmortemBuilder, record: PostmortemBuilder.Corrections, escalations: Set<Instant>) {
            self.builder = builder
            self.record = record
            self.escalations = escalations
        }

        /// A bullet for an entry that made one when the order was worked out and makes none
        /// now: said, not stopped at.
        func unmade(_ position: Int) -> PostmortemModel.TimelineItem {
            let seq = builder.notable.seq(position)
            return PostmortemModel.TimelineItem(at: builder.notable[position].at, kind: .note, text: "(entry #\(seq) could not be read again)", by: "",
                                                seq: seq, amended: false, recordedAt: nil, evidence: [])
        }

        /// The bullet of kept entry `position`, nil when it makes none (or was retracted).
        func item(_ position: Int) -> PostmortemModel.TimelineItem? {
            builder.timelineItem(builder.notable[position], record, escalationTimes: escalations)
        }
    }
}
