import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle
import Synchronization

/// An instance's side of the limits ledger (docs/limits.md): it borrows slices of each count's
/// window from the usage service, spends them locally (a call costs a lock, no round trip), and
/// borrows the next slice before it runs out. Every `tick` it reports what it spent and hands
/// back what the current rate will not use within the next two ticks (far from the limit, its
/// slices are larger and it reports once a second: ``Meter/isFar``); a count that went quiet
/// keeps the slice its last busy tick sized for two ticks more (a caller a second apart finds it
/// there rather than waiting for the ledger), then hands it back too, so an idle instance never
/// holds allowance a busy one needs for longer than about a second.
///
/// Callers waiting for the same count share one borrow. A count is refused when the ledger has
/// nothing left; if other instances hold slices then, the ledger asks them for what they are not
/// spending (``reclaim(_:)``) and the count asks again shortly, then after each of their next
/// five ticks (with which they hand back what they do not use). When the ledger cannot be
/// reached, what was borrowed is spent, then ``take(_:now:)`` throws ``Refusal/unavailable``.
public final class Allowances: Sendable {
    /// One count a call takes from.
    public struct Demand: Sendable, Equatable {
        /// The ledger key (a limit's ``LimitKind/key(_:)``, or a gateway rate's name).
        public var key: String
        public var unit: LimitUnit
        public var capacity: Int64
        public var amount: Int64
        /// What it counts: spending requests is final; tokens and spend are reservations, settled
        /// when the call's usage is known (``settle(_:tokens:spent:)``).
        public var kind: LimitKind
        public var tenant: UUID?

        public init(key: String, unit: LimitUnit, capacity: Int64, amount: Int64, kind: LimitKind, tenant: UUID?) {
            self.key = key
            self.unit = unit
            self.capacity = capacity
            self.amount = amount
            self.kind = kind
            self.tenant = tenant
        }
    }

    /// What a call took from one count.
    public struct Taken: Sendable, Equatable {
        public var key: String
        public var window: Int64
        public var amount: Int64
        public var kind: LimitKind
        public var capacity: Int64
        /// What this instance knows is left in the window after this call.
        public var remaining: Int64
        public var resetsAt: Date?

        /// Requests are spent for good; the rest are reservations, settled later.
        public var final: Bool { kind == .requests }

        public init(
            key: String, window: Int64, amount: Int64, kind: LimitKind, capacity: Int64, remaining: Int64,
            resetsAt: Date?
        ) {
            self.key = key
            self.window = window
            self.amount = amount
            self.kind = kind
            self.capacity = capacity
            self.remaining = remaining
            self.resetsAt = resetsAt
        }
    }

    public enum Refusal: Error, Equatable {
        /// The count `demands[index]` has no room left in its window; retry after `retryAfter`
        /// seconds (nil: the count never resets).
        case exhausted(index: Int, retryAfter: Int?)
        /// The ledger could not be reached and what was borrowed is spent.
        case unavailable
    }

    public typealias Exchange = @Sendable (AllowanceExchange) async throws -> [AllowanceExchange.Grant]

    private struct Meter {
        var window: Int64
        var resetsAt: Date?
        var capacity: Int64
        var kind: LimitKind
        var tenant: UUID?
        /// Borrowed and not spent.
        var available: Int64 = 0
        /// Spent and not yet reported to the ledger.
        var unreported: Int64 = 0
        /// Reservations settled since the last report: what they reserved, and what the calls
        /// really used instead.
        var settledReserved: Int64 = 0
        var settledUsed: Int64 = 0
        /// What the ledger had left after the last grant.
        var left: Int64
        /// Spent this tick and the one before: the rate slices are sized to.
        var spentThisTick: Int64 = 0
        var spentLastTick: Int64 = 0
        /// The slice the last tick that saw spending sized, and the ticks since it: kept while
        /// fewer than ``quietTicksKept``.
        var busySlice: Int64 = 0
        var quietTicks = 0
        /// Demand waiting for the next borrow.
        var waiting: Int64 = 0
        var borrowing: OneShot<Round>?
        /// The last round found the window empty with nothing lent elsewhere, at this instant.
        var emptyAt: ContinuousClock.Instant?

        /// What two ticks are expected to spend: the size of a slice near the limit.
        var predicted: Int64 { min(capacity, max(spentThisTick, spentLastTick) * 2) }

        /// The ledger has at least ``farLeft`` far slices left at this rate: no other instance
        /// can be short of this count for a long while, so its slice is a far one and its
        /// spending is reported once a second rather than each tick.
        var isFar: Bool { predicted > 0 && left / (Allowances.farLeft * Allowances.farSlice) >= predicted }

        /// What a tick tops the slice up to: two ticks' spend, or ``farSlice`` times that far from
        /// the limit (a busy count's renewals then come every few ticks, not each one).
        var slice: Int64 {
            guard isFar else { return predicted }
            return predicted > capacity / Allowances.farSlice ? capacity : predicted * Allowances.farSlice
        }

        /// Ticks since this meter's spending last went to the ledger.
        var unreportedTicks = 0

        /// The larger spend of the last two ticks that saw spending (a busy run's last tick is
        /// often a part of one).
        var peak: Int64 = 0

        /// What a tick of this count spends, as far as it knows: for ``State/rates``.
        var rate: Int64 { max(spentThisTick, spentLastTick, peak) }

        /// The ledger's view of what this meter spent since the last report.
        /// Spent requests become `used`; spent reservations `held`, until settled: then what they
        /// reserved leaves `held` and what the calls used is `used`.
        func report(key: String) -> AllowanceExchange.Adjustment? {
            guard unreported > 0 || settledReserved > 0 || settledUsed > 0 else { return nil }
            return kind == .requests
                ? .init(key: key, window: window, lent: -unreported, used: unreported)
                : .init(
                    key: key, window: window, lent: -unreported, held: unreported - settledReserved, used: settledUsed)
        }

        mutating func reported() {
            unreportedTicks = 0
            unreported = 0
            settledReserved = 0
            settledUsed = 0
        }
    }

    /// How a borrow round ended.
    private enum Round: Sendable {
        /// Granted; `short` when less than the need it carried, `lentElsewhere` when other
        /// instances held slices of the window then.
        case granted(short: Bool, lentElsewhere: Bool)
        case failed
    }

    private struct State {
        var meters: [String: Meter] = [:]
        /// Changes to send with the next exchange.
        var adjustments: [AllowanceExchange.Adjustment] = []
        /// The last exchange failed, at this instant: until one succeeds (a tick tries), calls
        /// that need a borrow fail at once rather than each wait for the ledger.
        var unreachableAt: ContinuousClock.Instant?
        /// Exchanges that got no answer, oldest first: the ledger may have applied them or not,
        /// so each is sent again as it was (its id tells the ledger to apply it once).
        var unanswered: [(exchange: AllowanceExchange, since: ContinuousClock.Instant)] = []
        /// What a tick spent of counts whose meters went (quiet, or their window ended), for
        /// ``rateKept``: a count that comes back, or its next window, borrows for that rate at
        /// once. Grown again from one call's worth instead, a busy count's first second after a
        /// pause (or a minute's turn) took some 25 exchanges, and its calls waited in most of them.
        var rates: [String: (spend: Int64, at: ContinuousClock.Instant)] = [:]
    }

    private let exchange: Exchange
    private let tick: Duration
    private let logger: Logger
    private let state = Mutex(State())

    /// A refusal stands this long without asking the ledger again.
    static let emptyFor = Duration.milliseconds(250)
    /// A count with no spending for this many ticks hands back the slice it kept while quiet.
    static let quietTicksKept = 3
    /// How many times a call refused while other instances hold slices asks again, a tick apart:
    /// for longer than a quiet count keeps its slice.
    static let asksAgain = quietTicksKept + 2
    /// A call refused while other instances hold slices asks again after this long first: time
    /// for the ledger's ask to reach them and their hand-back to reach the ledger.
    static let reclaimWait = Duration.milliseconds(25)
    /// Far from its limit (``Meter/isFar``), a count's slice is this many near ones (eight ticks'
    /// spend)...
    static let farSlice: Int64 = 4
    /// ...when the ledger has at least this many of them left.
    static let farLeft: Int64 = 16
    /// A busy count far from its limit reports what it spent every this many ticks (once a
    /// second), or sooner with a renewal or a hand-back: its steady state is an exchange a second,
    /// not four (each about a millisecond of CPU across the ledger, PostgreSQL and NATS).
    static let reportEvery = 4
    /// An unreachable ledger is not asked again on a call's behalf for this long.
    static let unreachableFor = Duration.seconds(1)
    /// At most this many changes and borrows wait for a ledger that cannot be reached.
    static let maximumPending = 100_000
    /// A count's rate is remembered this long after its meter goes (``State/rates``).
    static let rateKept = Duration.seconds(60)
    /// An exchange without an answer is sent again for this long (the ledger remembers exchange
    /// ids for an hour); then what it carried is given up, counted as the ledger last knew it.
    static let repeatedFor = Duration.seconds(1800)

    public init(exchange: @escaping Exchange, tick: Duration = .milliseconds(250), logger: Logger) {
        self.exchange = exchange
        self.tick = tick
        self.logger = logger
    }

    /// Through the usage service's `usage.limits.exchange`.
    public convenience init(nats: NatsConnection, timeout: Duration = .seconds(2), logger: Logger) {
        self.init(
            exchange: { exchange in
                let reply = try await nats.request(
                    LimitSubjects.exchange, payload: try JSONEncoder.limits.encode(exchange), timeout: timeout)
                return try JSONDecoder.limits.decode(AllowanceGrants.self, from: Data(reply.payload)).grants
            }, logger: logger)
    }

    // MARK: - Taking

    /// Takes every demand or none: a refusal hands back what the others took.
    public func take(_ demands: [Demand], now: Date = Date()) async throws(Refusal) -> [Taken] {
        if let taken = takeLocally(demands, now: now) { return taken }
        await borrowTogether(demands, now: now)
        var taken: [Taken] = []
        taken.reserveCapacity(demands.count)
        for (index, demand) in demands.enumerated() {
            do {
                taken.append(try await take(demand, now: now))
            } catch {
                giveBack(taken)
                throw error.unavailable ? .unavailable : .exhausted(index: index, retryAfter: error.retryAfter)
            }
        }
        return taken
    }

    /// The steady state: every demand from its slice, under one lock; nil when one of them has
    /// not enough there (or its window ended), and nothing is taken.
    private func takeLocally(_ demands: [Demand], now: Date) -> [Taken]? {
        var prefetches: [(AllowanceExchange.Borrow, OneShot<Round>)] = []
        let taken: [Taken]? = state.withLock { state in
            var taken: [Taken] = []
            taken.reserveCapacity(demands.count)
            // Each meter looked up once and read and changed in place (this runs for every call a
            // limit covers; reading a field through the dictionary's subscript copies the meter).
            for demand in demands {
                guard let index = state.meters.index(forKey: demand.key),
                    let (item, prefetch) = spendIfThere(demand, now: now, from: &state.meters.values[index])
                else {
                    // Seldom: the others go back into their slices (a prefetch started stays started).
                    for item in taken { restore(item, in: &state.meters) }
                    return nil
                }
                if let prefetch { prefetches.append(prefetch) }
                taken.append(item)
            }
            return taken
        }
        if !prefetches.isEmpty { Task { await self.run(prefetches) } }
        return taken
    }

    /// A call several of whose counts need a borrow (a caller quiet for a tick finds its meters
    /// handed back) asks for all of them in one exchange, not one after another; the counts are
    /// then taken one by one from what came. Nothing is asked when one of them stands refused.
    private func borrowTogether(_ demands: [Demand], now: Date) async {
        guard demands.count > 1 else { return }
        let instant = ContinuousClock.now
        let borrows: [(AllowanceExchange.Borrow, OneShot<Round>)] = state.withLock { state in
            if let failed = state.unreachableAt, instant - failed < Self.unreachableFor { return [] }
            var short: [Demand] = []
            for demand in demands {
                let meter = current(demand, at: now, in: &state)
                state.meters[demand.key] = meter
                guard meter.available < demand.amount, meter.borrowing == nil else { continue }
                if let emptyAt = meter.emptyAt, instant - emptyAt < Self.emptyFor { return [] }
                short.append(demand)
            }
            return short.map { demand in
                let index = state.meters.index(forKey: demand.key)!
                return startBorrow(&state.meters.values[index], key: demand.key, amount: demand.amount)
            }
        }
        guard !borrows.isEmpty else { return }
        Self.waitCount.increment(by: borrows.count)
        await run(borrows)
    }

    /// Marks `meter` borrowing, for `amount` and what callers already waiting need.
    private func startBorrow(_ meter: inout Meter, key: String, amount: Int64) -> (
        AllowanceExchange.Borrow, OneShot<Round>
    ) {
        let round = OneShot<Round>()
        meter.borrowing = round
        let need = amount - meter.available + meter.waiting
        meter.waiting = 0
        return (borrow(meter, key: key, need: need), round)
    }

    /// ``spend(_:from:)`` if the slice holds enough and its window has not ended.
    private func spendIfThere(_ demand: Demand, now: Date, from meter: inout Meter) -> (
        Taken, (AllowanceExchange.Borrow, OneShot<Round>)?
    )? {
        guard meter.available >= demand.amount, meter.resetsAt.map({ now < $0 }) ?? true else { return nil }
        return spend(demand, from: &meter)
    }

    /// Puts what `item` took back into its meter's slice, if it is not reported yet; false if it is.
    @discardableResult
    private func restore(_ item: Taken, in meters: inout [String: Meter]) -> Bool {
        guard let index = meters.index(forKey: item.key) else { return false }
        return Self.restore(item, in: &meters.values[index])
    }

    private static func restore(_ item: Taken, in meter: inout Meter) -> Bool {
        guard meter.window == item.window, meter.unreported >= item.amount else { return false }
        meter.unreported -= item.amount
        meter.available += item.amount
        meter.spentThisTick = max(0, meter.spentThisTick - item.amount)
        return true
    }

    /// Takes `demand` from a meter that has enough; when that leaves the slice low for the current
    /// rate, the borrow to start for the next one.
    private func spend(_ demand: Demand, from meter: inout Meter) -> (
        Taken, (AllowanceExchange.Borrow, OneShot<Round>)?
    ) {
        meter.capacity = demand.capacity
        meter.available -= demand.amount
        meter.unreported += demand.amount
        meter.spentThisTick += demand.amount
        let taken = Taken(
            key: demand.key, window: meter.window, amount: demand.amount, kind: demand.kind,
            capacity: meter.capacity, remaining: meter.left + meter.available, resetsAt: meter.resetsAt)
        // Below half a tick's rate: the tick tops a slice up to at least two ticks' worth, so at a steady
        // rate this borrows only when calls come faster (each such borrow is an exchange of its own).
        guard meter.borrowing == nil, meter.emptyAt == nil, meter.left > 0,
            meter.available < max(1, meter.predicted / 4)
        else { return (taken, nil) }
        let round = OneShot<Round>()
        meter.borrowing = round
        return (taken, (borrow(meter, key: demand.key, need: 0), round))
    }

    private struct SingleRefusal: Error {
        var retryAfter: Int?
        var unavailable = false
    }

    private enum Step {
        case taken(Taken, prefetch: (AllowanceExchange.Borrow, OneShot<Round>)?)
        case refused(retryAfter: Int?)
        case unavailable
        case wait(OneShot<Round>)
        case borrow(AllowanceExchange.Borrow, OneShot<Round>)
    }

    /// Takes from the local slice; else joins the borrow in flight (adding its amount to what the
    /// next one asks for) or starts one, and tries again when it lands.
    private func take(_ demand: Demand, now: Date) async throws(SingleRefusal) -> Taken {
        var outcome: Round?
        var asksAgain = Self.asksAgain
        var reclaimed = false
        while true {
            let instant = ContinuousClock.now
            let step: Step = state.withLock { state in
                var meter = current(demand, at: now, in: &state)
                defer { state.meters[demand.key] = meter }
                if meter.available >= demand.amount {
                    let (taken, prefetch) = spend(demand, from: &meter)
                    return .taken(taken, prefetch: prefetch)
                }
                if case .granted(short: true, _) = outcome { return .refused(retryAfter: retryAfter(meter.resetsAt)) }
                if let failed = state.unreachableAt, instant - failed < Self.unreachableFor { return .unavailable }
                if meter.borrowing == nil, let emptyAt = meter.emptyAt, instant - emptyAt < Self.emptyFor {
                    return .refused(retryAfter: retryAfter(meter.resetsAt))
                }
                if let round = meter.borrowing {
                    meter.waiting += demand.amount
                    return .wait(round)
                }
                let (borrow, round) = startBorrow(&meter, key: demand.key, amount: demand.amount)
                return .borrow(borrow, round)
            }
            switch step {
            case .taken(let taken, let prefetch):
                if let (borrow, round) = prefetch { Task { await self.run(borrow, round: round) } }
                return taken
            case .refused(let retryAfter):
                throw SingleRefusal(retryAfter: retryAfter)
            case .unavailable:
                throw SingleRefusal(retryAfter: nil, unavailable: true)
            case .wait(let round):
                Self.waitCount.increment()
                outcome = await round.value()
                state.withLock { state in
                    if let waiting = state.meters[demand.key]?.waiting {
                        state.meters[demand.key]?.waiting = max(0, waiting - demand.amount)
                    }
                }
            case .borrow(let borrow, let round):
                Self.waitCount.increment()
                await run(borrow, round: round)
                outcome = await round.value()
            }
            switch outcome {
            case .failed?:
                throw SingleRefusal(retryAfter: nil, unavailable: true)
            case .granted(short: true, lentElsewhere: true)? where !reclaimed:
                // Other instances hold slices: the ledger asked them for what they are not
                // spending (``reclaim(_:)``), which is back within moments. Ask again then.
                reclaimed = true
                outcome = nil
                try? await Task.sleep(for: Self.reclaimWait)
            case .granted(short: true, lentElsewhere: true)? where asksAgain > 0:
                // They still hold slices (spending them, or the ask did not reach them): with
                // their next ticks they hand back what they do not use (an instance that spent in
                // the tick before keeps that much one tick more). Ask again then.
                asksAgain -= 1
                outcome = nil
                try? await Task.sleep(for: tick + .milliseconds(50))
            default:
                break
            }
        }
    }

    /// The count's meter for the window in force at `now` (worked out only when the meter's
    /// window has ended: a month's takes a calendar); a meter of an earlier window is retired
    /// (what it holds goes back with the next exchange).
    private func current(_ demand: Demand, at now: Date, in state: inout State) -> Meter {
        var retiring = state.meters[demand.key]
        if var meter = retiring, meter.resetsAt.map({ now < $0 }) ?? true {
            meter.capacity = demand.capacity
            return meter
        }
        let (window, resetsAt) = demand.unit.window(at: now)
        if var meter = retiring, meter.window >= window {
            // A call that read the clock just before the window turned counts in the new one.
            meter.capacity = demand.capacity
            return meter
        }
        // The rate the count had (in its last window, or before it went quiet) sizes its first borrow.
        var rate: Int64 = 0
        if let old = retiring.take() {
            rate = old.rate
            Self.retire(old, key: demand.key, into: &state.adjustments)
        } else if let last = state.rates.removeValue(forKey: demand.key), ContinuousClock.now - last.at < Self.rateKept
        {
            rate = last.spend
        }
        var meter = Meter(
            window: window, resetsAt: resetsAt, capacity: demand.capacity, kind: demand.kind,
            tenant: demand.tenant, left: demand.capacity)
        meter.spentLastTick = rate
        return meter
    }

    /// A meter's last word: what it spent, and the unused rest handed back.
    private static func retire(_ meter: Meter, key: String, into adjustments: inout [AllowanceExchange.Adjustment]) {
        if let report = meter.report(key: key) { adjustments.append(report) }
        if meter.available > 0 { adjustments.append(.init(key: key, window: meter.window, lent: -meter.available)) }
    }

    /// A borrow for `need` now and the next two ticks' rate (far from the limit: what tops the
    /// slice up to a far one); a count with no rate yet (new, or quiet) asks for its need twice
    /// over, so that the call that borrowed does not start the next borrow at once, beside itself
    /// (a quiet caller's call then cost six exchanges, not four, and waited 2 ms longer:
    /// docs/benchmarks.md, "A quiet caller"). The ledger grants beyond the need at most half of
    /// what is left.
    private func borrow(_ meter: Meter, key: String, need: Int64) -> AllowanceExchange.Borrow {
        let ahead = meter.isFar ? max(meter.slice - meter.available, 0) : meter.predicted
        return .init(
            key: key, window: meter.window, resetsAt: meter.resetsAt, tenant: meter.tenant, capacity: meter.capacity,
            // What it spent goes to the ledger in the same exchange (``run(_:)``): it holds its slice.
            need: need, want: need + max(ahead, need), holds: meter.available)
    }

    private func retryAfter(_ resetsAt: Date?) -> Int? {
        resetsAt.map { max(1, Int($0.timeIntervalSinceNow.rounded(.up))) }
    }

    /// Sends one borrow (with the changes waiting to go) and applies its grant.
    private func run(_ borrow: AllowanceExchange.Borrow, round: OneShot<Round>) async {
        await run([(borrow, round)])
    }

    /// Sends borrows in one exchange (with the changes waiting to go) and applies their grants.
    private func run(_ borrows: [(AllowanceExchange.Borrow, OneShot<Round>)]) async {
        // What the borrowed counts spent and settled since the last tick goes along, so that the
        // ledger grants against today's use.
        let pending = state.withLock { state in
            defer { state.adjustments = [] }
            var adjustments = state.adjustments
            for (borrow, _) in borrows {
                if let report = state.meters[borrow.key]?.report(key: borrow.key) {
                    adjustments.append(report)
                    state.meters[borrow.key]!.reported()
                }
            }
            return adjustments
        }
        let grants = await send(AllowanceExchange(adjustments: pending, borrows: borrows.map(\.0)))
        let outcomes: [Round] = state.withLock { state in
            borrows.enumerated().map { index, item in
                let borrow = item.0
                guard let grants, index < grants.count else {
                    state.meters[borrow.key]?.borrowing = nil
                    return .failed
                }
                return apply(grants[index], for: borrow, in: &state)
            }
        }
        for ((_, round), outcome) in zip(borrows, outcomes) { round.set(outcome) }
    }

    private func apply(_ grant: AllowanceExchange.Grant, for borrow: AllowanceExchange.Borrow, in state: inout State)
        -> Round
    {
        let short = grant.granted < borrow.need
        // What is lent beyond this grant and this instance's own slice is in other instances' slices.
        let own = state.meters[borrow.key].map { $0.available + $0.unreported } ?? 0
        let lentElsewhere = grant.lent - grant.granted - own > 0
        guard var meter = state.meters[borrow.key], meter.window == borrow.window else {
            // The window moved on while borrowing: what came goes straight back.
            if grant.granted > 0 {
                state.adjustments.append(.init(key: borrow.key, window: borrow.window, lent: -grant.granted))
            }
            return .granted(short: short, lentElsewhere: lentElsewhere)
        }
        meter.available += grant.granted
        meter.left = grant.left + Self.pendingLeft(borrow.key, window: borrow.window, in: state.adjustments)
        meter.borrowing = nil
        meter.emptyAt = (short || grant.left == 0) && !lentElsewhere ? ContinuousClock.now : nil
        state.meters[borrow.key] = meter
        return .granted(short: short, lentElsewhere: lentElsewhere)
    }

    /// What the changes not yet sent will add to what the ledger has left of a window (a refused
    /// call's take given back after a borrow in flight reported it): what the instance knows is
    /// left, beyond a grant's `left`, is exact on one instance.
    private static func pendingLeft(_ key: String, window: Int64, in adjustments: [AllowanceExchange.Adjustment])
        -> Int64
    {
        adjustments.reduce(0) { sum, change in
            change.key == key && change.window == window ? sum - change.lent - change.held - change.used : sum
        }
    }

    /// Sends `exchange` under an id of its own, and once more if no answer came (the ledger
    /// applies it once either way); nil when the ledger could not be reached: the exchange is
    /// kept as it is, and a tick sends it again (``repeatUnanswered()``).
    private func send(_ exchange: AllowanceExchange) async -> [AllowanceExchange.Grant]? {
        var exchange = exchange
        exchange.id = exchange.id ?? UUID.v7()
        // The first failure does not yet count as the ledger unreachable (which would refuse
        // other calls at once): on a loaded machine an answer can miss the timeout.
        if let grants = await roundTrip(exchange, isLastTry: false) { return grants }
        if let grants = await roundTrip(exchange) { return grants }
        state.withLock { state in
            let pending = state.unanswered.reduce(exchange.size) { $0 + $1.exchange.size }
            if pending <= Self.maximumPending { state.unanswered.append((exchange, ContinuousClock.now)) }
        }
        return nil
    }

    /// One exchange with the ledger; nil when it could not be reached (then, on the last try,
    /// calls that need a borrow are refused at once for ``unreachableFor``).
    private func roundTrip(_ exchange: AllowanceExchange, isLastTry: Bool = true) async -> [AllowanceExchange.Grant]? {
        Self.roundTripCount.increment()
        let started = ContinuousClock.now
        do {
            let grants = try await self.exchange(exchange)
            Self.ledgerTime.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
            if state.withLock({ $0.unreachableAt.take() }) != nil {
                logger.info("the limits ledger is reachable again")
            }
            return grants
        } catch {
            guard isLastTry else { return nil }
            let first = state.withLock { state in
                defer { state.unreachableAt = ContinuousClock.now }
                return state.unreachableAt == nil
            }
            if first { logger.warning("the limits ledger cannot be reached", metadata: ["error": "\(error)"]) }
            return nil
        }
    }

    /// Sends again, oldest first, the exchanges that got no answer, until one again gets none.
    /// The grants of their borrows go to the meters they were for, if those still count the same
    /// window (else straight back); callers waiting for them were told the ledger was unreachable.
    func repeatUnanswered() async {
        let now = ContinuousClock.now
        while let (exchange, since) = state.withLock({ state in
            state.unanswered.isEmpty ? nil : state.unanswered.removeFirst()
        }) {
            guard now - since < Self.repeatedFor else {
                logger.warning(
                    "gave up an exchange with the limits ledger that never got an answer",
                    metadata: ["changes": "\(exchange.adjustments.count)", "borrows": "\(exchange.borrows.count)"])
                continue
            }
            guard let grants = await roundTrip(exchange) else {
                state.withLock { $0.unanswered.insert((exchange, since), at: 0) }
                return
            }
            state.withLock { state in
                for (borrow, grant) in zip(exchange.borrows, grants) where grant.granted > 0 {
                    if var meter = state.meters[borrow.key], meter.window == borrow.window {
                        meter.available += grant.granted
                        meter.left =
                            grant.left + Self.pendingLeft(borrow.key, window: borrow.window, in: state.adjustments)
                        state.meters[borrow.key] = meter
                    } else {
                        state.adjustments.append(.init(key: borrow.key, window: borrow.window, lent: -grant.granted))
                    }
                }
            }
        }
    }

    // MARK: - Giving back

    /// Settles what a call reserved (its token and spend counts) with what it really used, when it
    /// ends: reported with the next tick. `tokens` and `spent` are the call's real use (0 for a
    /// call that reached no provider); requests are final and need no settling.
    public func settle(_ taken: [Taken], tokens: Int64, spent: Int64) {
        state.withLock { state in
            for item in taken where !item.final {
                let used = item.kind == .tokens ? tokens : spent
                guard let index = state.meters.index(forKey: item.key),
                    Self.settle(item, used: used, in: &state.meters.values[index])
                else {
                    state.adjustments.append(.init(key: item.key, window: item.window, held: -item.amount, used: used))
                    continue
                }
            }
        }
    }

    /// A call that used more than it reserved spends the difference from the slice at once, as far
    /// as the slice goes: later calls are admitted against what was really used, not against a
    /// reservation. False, changing nothing, when the meter counts another window now.
    private static func settle(_ item: Taken, used: Int64, in meter: inout Meter) -> Bool {
        guard meter.window == item.window else { return false }
        let over = min(max(0, used - item.amount), meter.available)
        meter.available -= over
        meter.unreported += over
        meter.spentThisTick += over
        meter.settledReserved += item.amount + over
        meter.settledUsed += used
        return true
    }

    /// Hands back what a refused call took of its other counts.
    public func giveBack(_ taken: [Taken]) {
        guard !taken.isEmpty else { return }
        state.withLock { state in
            for item in taken where item.amount > 0 {
                // Not reported yet: back into the slice.
                if !restore(item, in: &state.meters) {
                    state.adjustments.append(
                        item.final
                            ? .init(key: item.key, window: item.window, used: -item.amount)
                            : .init(key: item.key, window: item.window, held: -item.amount))
                    // Reported already (a borrow in flight carried it): the ledger has it back with
                    // the next exchange, and what this instance knows is left says so now.
                    if let index = state.meters.index(forKey: item.key),
                        state.meters.values[index].window == item.window
                    {
                        state.meters.values[index].left += item.amount
                    }
                }
            }
        }
    }

    /// Another instance is short of these counts while this one holds slices of them (the
    /// ledger says so on ``LimitSubjects/reclaim``): what this instance spent goes to the ledger,
    /// and what it holds unspent goes back, at once rather than with the next ticks. Counts with
    /// callers waiting for a borrow keep everything.
    public func reclaim(_ counts: [AllowanceReclaim.Count]) async {
        let adjustments: [AllowanceExchange.Adjustment] = state.withLock { state in
            var adjustments: [AllowanceExchange.Adjustment] = []
            for count in counts {
                guard let index = state.meters.index(forKey: count.key) else { continue }
                Self.handBack(of: &state.meters.values[index], key: count.key, window: count.window, into: &adjustments)
            }
            return adjustments
        }
        guard !adjustments.isEmpty else { return }
        Self.reclaimCount.increment()
        _ = await send(AllowanceExchange(adjustments: adjustments))
    }

    private static func handBack(
        of meter: inout Meter, key: String, window: Int64, into adjustments: inout [AllowanceExchange.Adjustment]
    ) {
        // A borrow in flight (a tick's renewal) adds its grant when it lands; the next ask or tick
        // hands that back. Callers waiting for a borrow keep the slice theirs.
        guard meter.window == window, meter.waiting == 0 else { return }
        // The window is nearly spent and someone else is waiting: what was spent is reported and all
        // of the slice goes back, and this instance's next call borrows what it needs like anyone's
        // (holding on to a tick's worth kept the short caller waiting for this instance's ticks:
        // 300 to 650 ms).
        retire(meter, key: key, into: &adjustments)
        meter.reported()
        meter.available = 0
        meter.busySlice = 0
        meter.peak = 0
    }

    // MARK: - Ticking

    /// Each tick: reports what was spent, hands back what the rate will not use, borrows the next
    /// slice for meters that will need one, and drops meters that went idle. Runs until
    /// cancelled, then hands everything back.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            await settle(date: Date())
        }
        // Cancelled: the hand-back runs in a task of its own, whose requests are not cancelled.
        await Task { await handBackEverything() }.value
    }

    /// One tick's work.
    func settle(date: Date) async {
        await repeatUnanswered()
        var renewals: [(AllowanceExchange.Borrow, OneShot<Round>)] = []
        let instant = ContinuousClock.now
        let adjustments: [AllowanceExchange.Adjustment] = state.withLock { state in
            var adjustments = state.adjustments
            state.adjustments = []
            for (key, last) in state.rates where instant - last.at >= Self.rateKept { state.rates[key] = nil }
            for (key, var meter) in state.meters {
                if meter.resetsAt.map({ $0 <= date }) == true {
                    if meter.borrowing == nil {
                        Self.retire(meter, key: key, into: &adjustments)
                        state.meters[key] = nil
                        Self.remember(meter, key: key, at: instant, in: &state)
                    }
                    continue
                }
                meter.unreportedTicks += 1
                if meter.spentThisTick > 0 { meter.peak = max(meter.spentThisTick, meter.spentLastTick) }
                meter.spentLastTick = meter.spentThisTick
                meter.spentThisTick = 0
                if meter.spentLastTick > 0 {
                    meter.busySlice = meter.slice
                    meter.quietTicks = 0
                } else {
                    meter.quietTicks += 1
                }
                // A busy count far from its limit reports with a renewal or a hand-back, else once
                // every few ticks; any other reports each tick (a quiet one before it goes).
                var reportDue =
                    meter.spentLastTick == 0 || !meter.isFar || meter.unreportedTicks >= Self.reportEvery
                func report(_ meter: inout Meter) {
                    guard let report = meter.report(key: key) else { return }
                    adjustments.append(report)
                    meter.reported()
                }
                guard meter.borrowing == nil else {
                    if reportDue { report(&meter) }
                    state.meters[key] = meter
                    continue
                }
                // Once the ledger has nothing left, keep no more than the last tick spent: other
                // instances may be refusing calls for want of what this one holds.
                let quietKeep = meter.quietTicks < Self.quietTicksKept ? meter.busySlice : 0
                let keep = min(meter.available, meter.left > 0 ? max(meter.slice, quietKeep) : meter.spentLastTick)
                if meter.available > keep {
                    adjustments.append(.init(key: key, window: meter.window, lent: keep - meter.available))
                    meter.available = keep
                    reportDue = true
                }
                if meter.spentLastTick == 0 && meter.waiting == 0 && meter.available == 0 {
                    report(&meter)
                    state.meters[key] = nil
                    Self.remember(meter, key: key, at: instant, in: &state)
                    continue
                }
                if meter.predicted > keep && meter.emptyAt == nil && meter.left > 0 {
                    let round = OneShot<Round>()
                    meter.borrowing = round
                    renewals.append((borrow(meter, key: key, need: 0), round))
                    reportDue = true
                }
                if reportDue { report(&meter) }
                state.meters[key] = meter
            }
            return adjustments
        }
        if renewals.isEmpty {
            if !adjustments.isEmpty { _ = await send(AllowanceExchange(adjustments: adjustments)) }
            return
        }
        // One exchange: the changes and every renewal.
        state.withLock { $0.adjustments = adjustments + $0.adjustments }
        await run(renewals)
    }

    /// Keeps the rate of a meter that goes, if it had one (a slice the ledger asked back has none).
    private static func remember(
        _ meter: Meter, key: String, at instant: ContinuousClock.Instant, in state: inout State
    ) {
        let rate = meter.rate
        if rate > 0 { state.rates[key] = (rate, instant) }
    }

    /// Everything held goes back (on shutdown).
    func handBackEverything() async {
        await repeatUnanswered()
        let adjustments: [AllowanceExchange.Adjustment] = state.withLock { state in
            var adjustments = state.adjustments
            for (key, meter) in state.meters { Self.retire(meter, key: key, into: &adjustments) }
            state = State()
            return adjustments
        }
        if !adjustments.isEmpty { _ = await send(AllowanceExchange(adjustments: adjustments)) }
    }

    private static let roundTripCount = Counter(label: "strongbox_limits_ledger_round_trips_total")
    /// Slices handed back because the ledger asked (``reclaim(_:)``).
    private static let reclaimCount = Counter(label: "strongbox_limits_reclaims_total")
    /// Counts a call waited for a borrow: its slice was spent before the next one came.
    private static let waitCount = Counter(label: "strongbox_limits_waits_total")
    private static let ledgerTime = Timer(label: "strongbox_limits_ledger_seconds")
}

/// Runs an instance's ``Allowances`` ticks as a service: started with the service, and on
/// shutdown, what it holds goes back to the ledger.
public struct AllowanceTicker: Service {
    let allowances: Allowances

    public init(_ allowances: Allowances) { self.allowances = allowances }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await allowances.run() }
    }
}

extension Allowances {
    /// Hears the ledger's asks for slices back (``LimitSubjects/reclaim``) until the service
    /// shuts down, and hands them back (``reclaim(_:)``).
    public func reclaimListener(nats: NatsConnection) -> SubjectListener {
        .events(AllowanceReclaim.self, on: LimitSubjects.reclaim, nats: nats) { reclaim in
            Task { await self.reclaim(reclaim.counts) }
        }
    }
}

extension AllowanceExchange {
    fileprivate var size: Int { adjustments.count + borrows.count }
}

extension JSONEncoder {
    static let limits: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

extension JSONDecoder {
    static let limits: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
