import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle
import Synchronization

/// An instance's side of the limits ledger (docs/limits.md): it borrows slices of each count's
/// window from the usage service, spends them locally (a call costs a lock, no round trip), and
/// borrows more before it runs out. Every `tick` it reports what requests it spent and, when a
/// slice has lived `sliceLifetime`, hands back what the current rate will not use, so an idle
/// instance never holds allowance a busy one needs for longer than that.
///
/// A count's window is refused locally only after the ledger answered that nothing is left;
/// callers waiting for the same count share one borrow. When the ledger cannot be reached, what
/// was borrowed is spent, then ``take(_:now:)`` throws ``Refusal/unavailable``.
public final class Allowances: Sendable {
    /// One count a call takes from.
    public struct Demand: Sendable, Equatable {
        /// The ledger key (a limit's ``LimitKind/key(_:)``, or a gateway rate's name).
        public var key: String
        public var unit: LimitUnit
        public var capacity: Int64
        public var amount: Int64
        /// Spending is final (requests); otherwise it is a reservation, settled by the usage
        /// service from the call's usage event (tokens, spend).
        public var final: Bool
        public var tenant: UUID?

        public init(key: String, unit: LimitUnit, capacity: Int64, amount: Int64, final: Bool, tenant: UUID?) {
            self.key = key
            self.unit = unit
            self.capacity = capacity
            self.amount = amount
            self.final = final
            self.tenant = tenant
        }
    }

    /// What a call took from one count.
    public struct Taken: Sendable, Equatable {
        public var key: String
        public var window: Int64
        public var amount: Int64
        public var final: Bool
        public var capacity: Int64
        /// What this instance knows is left in the window after this call.
        public var remaining: Int64
        public var resetsAt: Date?
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
        var final: Bool
        var tenant: UUID?
        /// Borrowed and not spent.
        var available: Int64 = 0
        /// Spent requests not yet reported to the ledger.
        var unreported: Int64 = 0
        /// What the ledger had left after the last grant.
        var left: Int64
        /// Spent this slice and the one before: the rate the next slice is sized to.
        var spentThisSlice: Int64 = 0
        var spentLastSlice: Int64 = 0
        var sliceEnds: ContinuousClock.Instant
        /// Demand waiting for the next borrow.
        var waiting: Int64 = 0
        var borrowing: OneShot<Round>?
        /// The last round found the window empty, at this instant.
        var emptyAt: ContinuousClock.Instant?

        /// What the next slice is expected to spend.
        var predicted: Int64 { min(capacity, max(spentThisSlice, spentLastSlice) * 3 / 2) }
    }

    /// How a borrow round ended.
    private enum Round: Sendable {
        /// Granted; `short` when it was less than the need it carried.
        case granted(short: Bool)
        case failed
    }

    private struct State {
        var meters: [String: Meter] = [:]
        /// Counts to hand back or report, sent with the next exchange.
        var returns: [AllowanceExchange.Return] = []
    }

    private let exchange: Exchange
    private let sliceLifetime: Duration
    private let tick: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let roundTrips = Atomic<Int>(0)

    /// A refusal stands this long without asking the ledger again.
    static let emptyFor = Duration.milliseconds(250)
    /// At most this many counts wait to be handed back when the ledger is unreachable.
    static let maximumPendingReturns = 100_000

    public init(
        exchange: @escaping Exchange, sliceLifetime: Duration = .seconds(1), tick: Duration = .milliseconds(250),
        logger: Logger
    ) {
        self.exchange = exchange
        self.sliceLifetime = sliceLifetime
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

    /// Round trips to the ledger so far (borrows and reports).
    public var exchanges: Int { roundTrips.load(ordering: .relaxed) }

    // MARK: - Taking

    /// Takes every demand or none: a refusal hands back what the others took.
    public func take(_ demands: [Demand], now: Date = Date()) async throws(Refusal) -> [Taken] {
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

    private enum Step {
        case taken(Taken, prefetch: AllowanceExchange.Borrow?, round: OneShot<Round>?)
        case refused(retryAfter: Int?)
        case wait(OneShot<Round>)
        case borrow(AllowanceExchange.Borrow, OneShot<Round>)
    }

    /// Takes from the local slice; else joins the borrow in flight (adding its amount to what the
    /// next one asks for) or starts one, and tries again when it lands.
    private func take(_ demand: Demand, now: Date) async throws(SingleRefusal) -> Taken {
        let (window, resetsAt) = demand.unit.window(at: now)
        var waitedFor: Round?
        while true {
            let instant = ContinuousClock.now
            let step: Step = state.withLock { state in
                var meter = current(demand, window: window, resetsAt: resetsAt, at: instant, in: &state)
                defer { state.meters[demand.key] = meter }
                if meter.available >= demand.amount {
                    meter.available -= demand.amount
                    meter.spentThisSlice += demand.amount
                    if demand.final { meter.unreported += demand.amount }
                    let taken = Taken(
                        key: demand.key, window: meter.window, amount: demand.amount, final: demand.final,
                        capacity: meter.capacity, remaining: meter.left + meter.available, resetsAt: meter.resetsAt)
                    // Running low at the current rate: borrow the next slice before it is needed.
                    guard meter.borrowing == nil, meter.emptyAt == nil, meter.left > 0,
                        meter.available < max(1, meter.predicted / 4)
                    else { return .taken(taken, prefetch: nil, round: nil) }
                    let round = OneShot<Round>()
                    meter.borrowing = round
                    return .taken(taken, prefetch: borrow(meter, key: demand.key, need: 0), round: round)
                }
                if case .granted(short: true) = waitedFor { return .refused(retryAfter: retryAfter(meter.resetsAt)) }
                if meter.borrowing == nil, let emptyAt = meter.emptyAt, instant - emptyAt < Self.emptyFor {
                    return .refused(retryAfter: retryAfter(meter.resetsAt))
                }
                if let round = meter.borrowing {
                    meter.waiting += demand.amount
                    return .wait(round)
                }
                let round = OneShot<Round>()
                meter.borrowing = round
                let need = demand.amount - meter.available + meter.waiting
                meter.waiting = 0
                return .borrow(borrow(meter, key: demand.key, need: need), round)
            }
            switch step {
            case .taken(let taken, let prefetch, let round):
                if let prefetch, let round { Task { await self.run(prefetch, round: round) } }
                return taken
            case .refused(let retryAfter):
                throw SingleRefusal(retryAfter: retryAfter)
            case .wait(let round):
                waitedFor = await round.value()
                state.withLock { state in
                    if let waiting = state.meters[demand.key]?.waiting {
                        state.meters[demand.key]?.waiting = max(0, waiting - demand.amount)
                    }
                }
            case .borrow(let borrow, let round):
                await run(borrow, round: round)
                waitedFor = await round.value()
            }
            if case .failed = waitedFor { throw SingleRefusal(retryAfter: nil, unavailable: true) }
        }
    }

    private struct SingleRefusal: Error {
        var retryAfter: Int?
        var unavailable = false
    }

    /// The count's meter for `window`; a meter of an earlier window is retired (what it holds
    /// goes back with the next exchange).
    private func current(
        _ demand: Demand, window: Int64, resetsAt: Date?, at instant: ContinuousClock.Instant, in state: inout State
    ) -> Meter {
        if var meter = state.meters[demand.key] {
            // A call that read the clock just before the window turned counts in the new one.
            if meter.window >= window {
                meter.capacity = demand.capacity
                return meter
            }
            retire(meter, key: demand.key, into: &state.returns)
        }
        return Meter(
            window: window, resetsAt: resetsAt, capacity: demand.capacity, final: demand.final, tenant: demand.tenant,
            left: demand.capacity, sliceEnds: instant + sliceLifetime)
    }

    private func retire(_ meter: Meter, key: String, into returns: inout [AllowanceExchange.Return]) {
        let held = meter.available + meter.unreported
        guard held > 0 else { return }
        returns.append(.init(key: key, window: meter.window, held: held, used: meter.unreported))
    }

    private func borrow(_ meter: Meter, key: String, need: Int64) -> AllowanceExchange.Borrow {
        .init(
            key: key, window: meter.window, resetsAt: meter.resetsAt, tenant: meter.tenant, capacity: meter.capacity,
            need: need, want: need + meter.predicted)
    }

    private func retryAfter(_ resetsAt: Date?) -> Int? {
        resetsAt.map { max(1, Int($0.timeIntervalSinceNow.rounded(.up))) }
    }

    /// Sends one borrow (with whatever waits to be handed back) and applies its grant.
    private func run(_ borrow: AllowanceExchange.Borrow, round: OneShot<Round>) async {
        let returns = state.withLock { state in
            defer { state.returns = [] }
            return state.returns
        }
        let grants = await send(AllowanceExchange(returns: returns, borrows: [borrow]))
        let outcome: Round = state.withLock { state in
            guard let grants else {
                state.meters[borrow.key]?.borrowing = nil
                return .failed
            }
            let grant = grants.first
            let granted = grant?.granted ?? 0
            guard var meter = state.meters[borrow.key], meter.window == borrow.window else {
                // The window moved on while borrowing: what came goes straight back.
                if granted > 0 {
                    state.returns.append(.init(key: borrow.key, window: borrow.window, held: granted, used: 0))
                }
                return .granted(short: granted < borrow.need)
            }
            meter.available += granted
            meter.left = grant?.left ?? 0
            meter.borrowing = nil
            let short = granted < borrow.need
            meter.emptyAt = short || meter.left == 0 && granted == 0 ? ContinuousClock.now : nil
            state.meters[borrow.key] = meter
            return .granted(short: short)
        }
        round.set(outcome)
    }

    /// One round trip; nil when the ledger could not be reached (what was to go back is kept).
    private func send(_ exchange: AllowanceExchange) async -> [AllowanceExchange.Grant]? {
        roundTrips.add(1, ordering: .relaxed)
        Self.roundTripCount.increment()
        let started = ContinuousClock.now
        do {
            let grants = try await self.exchange(exchange)
            Self.ledgerTime.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
            return grants
        } catch {
            logger.warning("the limits ledger could not be reached", metadata: ["error": "\(error)"])
            state.withLock { state in
                if state.returns.count + exchange.returns.count <= Self.maximumPendingReturns {
                    state.returns += exchange.returns
                }
            }
            return nil
        }
    }

    // MARK: - Giving back

    /// Hands back what calls took and will not spend: a refused call's other counts, or the
    /// reservations of a call that ends without a usage event to settle them.
    public func giveBack(_ taken: [Taken]) {
        guard !taken.isEmpty else { return }
        state.withLock { state in
            for item in taken where item.amount > 0 {
                if var meter = state.meters[item.key], meter.window == item.window {
                    if item.final {
                        // A request already reported stays counted.
                        guard meter.unreported >= item.amount else { continue }
                        meter.unreported -= item.amount
                    }
                    meter.available += item.amount
                    meter.spentThisSlice = max(0, meter.spentThisSlice - item.amount)
                    state.meters[item.key] = meter
                } else if !item.final {
                    state.returns.append(.init(key: item.key, window: item.window, held: item.amount, used: 0))
                }
            }
        }
    }

    // MARK: - Ticking

    /// Reports spent requests, renews or hands back slices that lived their time, and drops
    /// meters that went idle. Runs every `tick` until cancelled, then hands everything back.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            await settle(at: ContinuousClock.now, date: Date())
        }
        // Cancelled: the hand-back runs in a task of its own, whose requests are not cancelled.
        await Task { await handBackEverything() }.value
    }

    /// One tick's work (tests call it directly).
    func settle(at instant: ContinuousClock.Instant, date: Date) async {
        var renewals: [(AllowanceExchange.Borrow, OneShot<Round>)] = []
        let returns: [AllowanceExchange.Return] = state.withLock { state in
            var returns = state.returns
            state.returns = []
            for (key, var meter) in state.meters {
                if meter.resetsAt.map({ $0 <= date }) == true {
                    if meter.borrowing == nil {
                        retire(meter, key: key, into: &returns)
                        state.meters[key] = nil
                    }
                    continue
                }
                if meter.unreported > 0 {
                    returns.append(
                        .init(key: key, window: meter.window, held: meter.unreported, used: meter.unreported))
                    meter.unreported = 0
                }
                if instant >= meter.sliceEnds && meter.borrowing == nil {
                    meter.spentLastSlice = meter.spentThisSlice
                    meter.spentThisSlice = 0
                    meter.sliceEnds = instant + sliceLifetime
                    let keep = min(meter.available, meter.predicted)
                    if meter.available > keep {
                        returns.append(.init(key: key, window: meter.window, held: meter.available - keep, used: 0))
                        meter.available = keep
                    }
                    if meter.spentLastSlice == 0 && meter.waiting == 0 && meter.available == 0 {
                        state.meters[key] = nil
                        continue
                    }
                    if meter.predicted > keep && meter.emptyAt == nil {
                        let round = OneShot<Round>()
                        meter.borrowing = round
                        renewals.append((borrow(meter, key: key, need: 0), round))
                    }
                }
                state.meters[key] = meter
            }
            return returns
        }
        guard !returns.isEmpty || !renewals.isEmpty else { return }
        if renewals.isEmpty {
            _ = await send(AllowanceExchange(returns: returns))
            return
        }
        // The returns ride with the first renewal; each renewal is its own round (usually one).
        state.withLock { $0.returns = returns + $0.returns }
        await withTaskGroup(of: Void.self) { group in
            for (borrow, round) in renewals { group.addTask { await self.run(borrow, round: round) } }
        }
    }

    /// Everything held goes back (on shutdown).
    func handBackEverything() async {
        let returns: [AllowanceExchange.Return] = state.withLock { state in
            var returns = state.returns
            for (key, meter) in state.meters { retire(meter, key: key, into: &returns) }
            state = State()
            return returns
        }
        if !returns.isEmpty { _ = await send(AllowanceExchange(returns: returns)) }
    }

    private static let roundTripCount = Counter(label: "strongbox_limits_ledger_round_trips_total")
    private static let ledgerTime = Timer(label: "strongbox_limits_ledger_seconds")
}

extension Allowances.Refusal {
    fileprivate var retryAfter: Int? { if case .exhausted(_, let seconds) = self { seconds } else { nil } }
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
