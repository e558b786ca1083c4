import Contracts
import Foundation
import Logging
import Synchronization
import Testing

@testable import ServiceKit

/// An instance's side of the limits ledger, against a ledger kept in memory with the usage
/// service's arithmetic (`usage.allowance_grant`; the real one is tested end to end in
/// LimitsTests).
@Suite("Allowances")
struct AllowancesTests {
    final class Ledger: Sendable {
        struct Count { var used: Int64 = 0, held: Int64 = 0, lent: Int64 = 0 }
        let counts = Mutex<[String: Count]>([:])
        let exchanges = Mutex(0)
        /// The grants each exchange id got: a repeat gets them again and changes nothing.
        let answered = Mutex<[UUID: [AllowanceExchange.Grant]]>([:])
        /// Ids in the order they came, repeats included.
        let ids = Mutex<[UUID?]>([])
        /// The keys each exchange borrowed for, in the order they came.
        let borrowed = Mutex<[[String]]>([])
        /// Told of the counts a borrow was short of while other instances held slices of them
        /// (what the usage service publishes on `limits.reclaim`).
        let onShort = Mutex<(@Sendable ([AllowanceReclaim.Count]) -> Void)?>(nil)

        func exchange(_ exchange: AllowanceExchange) -> [AllowanceExchange.Grant] {
            defer { exchanges.withLock { $0 += 1 } }
            ids.withLock { $0.append(exchange.id) }
            borrowed.withLock { $0.append(exchange.borrows.map(\.key)) }
            if let id = exchange.id, let grants = answered.withLock({ $0[id] }) { return grants }
            let grants: [AllowanceExchange.Grant] = counts.withLock { counts in
                for adjustment in exchange.adjustments {
                    counts[adjustment.key, default: Count()].lent += adjustment.lent
                    counts[adjustment.key, default: Count()].held += adjustment.held
                    counts[adjustment.key, default: Count()].used += adjustment.used
                }
                return exchange.borrows.map { borrow in
                    var count = counts[borrow.key, default: Count()]
                    let available = max(0, borrow.capacity - count.used - count.held - count.lent)
                    let need = min(max(borrow.need, 0), available)
                    let granted = need + min(max(borrow.want - max(borrow.need, 0), 0), (available - need) / 2)
                    count.lent += granted
                    counts[borrow.key] = count
                    return .init(
                        key: borrow.key, window: borrow.window, granted: granted, left: available - granted,
                        lent: count.lent)
                }
            }
            if let id = exchange.id { answered.withLock { $0[id] = grants } }
            let short = zip(exchange.borrows, grants).filter { $0.0.isShortWhileLentElsewhere($0.1) }
            if !short.isEmpty, let onShort = onShort.withLock({ $0 }) {
                onShort(short.map { .init(key: $0.0.key, window: $0.0.window) })
            }
            return grants
        }

        func count(_ key: String) -> Count { counts.withLock { $0[key, default: Count()] } }
        /// An instance that exchanges with this ledger.
        func allowances(_ label: String = "test") -> Allowances {
            Allowances(exchange: { self.exchange($0) }, logger: Logger(label: label))
        }
        var exchangeCount: Int { exchanges.withLock { $0 } }
    }

    static func spend(_ amount: Int64) -> Allowances.Demand {
        .init(key: "budget/spend", unit: .day, capacity: 100, amount: amount, kind: .spend, tenant: nil)
    }

    /// An instance against `ledger` that reserved `amount` of the budget with one borrow (a count
    /// with no rate yet asks for twice its need: the rest stays in the slice, and no borrow follows).
    static func reserved(_ amount: Int64, on ledger: Ledger) async throws -> (Allowances, [Allowances.Taken]) {
        let allowances = ledger.allowances("test")
        let taken = try await allowances.take([spend(amount)])
        return (allowances, taken)
    }

    @Test("a call that used more than it reserved spends the difference at once: the next call is admitted against it")
    func overUseSpendsTheSlice() async throws {
        // The borrow asked for 40 and 40 more and got the 40 and half of the 60 left: 40 reserved
        // (not reported yet: lent), 30 more in the slice, no further borrow.
        let ledger = Ledger()
        let (allowances, first) = try await Self.reserved(40, on: ledger)
        #expect(ledger.count("budget/spend").held == 0)
        #expect(ledger.count("budget/spend").lent == 70)
        #expect(ledger.exchangeCount == 1)

        // The call used 90: the 50 beyond its reservation come out of the slice as far as it goes
        // (30), so 90 of the 100 are spent and a call reserving 11 does not fit.
        allowances.settle(first, tokens: 0, spent: 90)
        do {
            _ = try await allowances.take([Self.spend(11)])
            Issue.record("a call reserving 11 was admitted with 10 of the budget left")
        } catch {
            #expect(error != .unavailable)
        }
        let count = ledger.count("budget/spend")
        #expect(count.used == 90, "the settlement went with the borrow")
        #expect(count.held == 0)
        #expect(count.lent == 10, "the 10 left came into the slice with that borrow")

        // A call reserving what is left fits, from the slice.
        let last = try await allowances.take([Self.spend(10)])
        #expect(last.first?.amount == 10)
        #expect(ledger.exchangeCount == 2)
    }

    @Test("a call that used less than it reserved gives the rest back with the next report")
    func underUseGivesBack() async throws {
        let ledger = Ledger()
        let (allowances, taken) = try await Self.reserved(50, on: ledger)
        allowances.settle(taken, tokens: 0, spent: 20)
        await allowances.settle(date: Date())
        let count = ledger.count("budget/spend")
        #expect(count.used == 20)
        #expect(count.held == 0)
        #expect(count.used + count.held + count.lent <= 100)
    }

    /// The ledger applied the exchange, but its answer was lost `lost` times.
    static func losingAnswers(_ lost: Int, on ledger: Ledger) -> Allowances {
        let remaining = Mutex(lost)
        return Allowances(
            exchange: { exchange in
                let grants = ledger.exchange(exchange)
                if remaining.withLock({ count in
                    defer { count -= 1 }
                    return count > 0
                }) {
                    throw LostAnswer()
                }
                return grants
            }, logger: Logger(label: "test"))
    }

    struct LostAnswer: Error {}

    @Test(
        "an exchange whose answer was lost is sent again under its id: the call is admitted, the ledger counts it once")
    func lostAnswerRepeated() async throws {
        let ledger = Ledger()
        let allowances = Self.losingAnswers(1, on: ledger)
        let taken = try await allowances.take([Self.spend(40)])
        #expect(taken.first?.amount == 40)
        // The borrow, sent twice under one id.
        let ids = ledger.ids.withLock { $0 }
        #expect(ids.count == 2 && ids[0] != nil && ids[0] == ids[1], "\(ids)")
        // Granted once: the 40 and half of the 60 left (twice would have lent 140).
        #expect(ledger.count("budget/spend").lent == 70)
        #expect(ledger.count("budget/spend").held == 0)
    }

    @Test("an exchange that never got an answer is sent again with the next tick, and what it borrowed comes back once")
    func unansweredRepeatedByTheTick() async throws {
        let ledger = Ledger()
        let allowances = Self.losingAnswers(2, on: ledger)
        do {
            _ = try await allowances.take([Self.spend(40)])
            Issue.record("admitted with no answer from the ledger")
        } catch {
            #expect(error == .unavailable)
        }
        #expect(ledger.count("budget/spend").lent == 70, "the ledger applied the borrow (once): 40 and half the rest")
        // The tick sends it again; its grant comes to the meter, which spent nothing: the same
        // tick hands it back.
        await allowances.settle(date: Date())
        let ids = ledger.ids.withLock { $0 }
        #expect(ids.count == 4 && Set(ids.prefix(3)).count == 1 && ids[3] != ids[0], "\(ids)")
        #expect(ledger.count("budget/spend").lent == 0, "nothing lent is left with this instance")
        #expect(ledger.count("budget/spend").used == 0 && ledger.count("budget/spend").held == 0)
    }

    static func request(_ key: String, capacity: Int64) -> Allowances.Demand {
        .init(key: key, unit: .day, capacity: capacity, amount: 1, kind: .requests, tenant: nil)
    }

    @Test("a call whose second count is spent takes nothing from the first: its slice is as it was")
    func allOrNothing() async throws {
        let ledger = Ledger()
        let allowances = ledger.allowances("test")
        let wide = Self.request("wide", capacity: 100)
        let narrow = Self.request("narrow", capacity: 1)
        let first = try await allowances.take([wide, narrow])
        #expect(first.map(\.amount) == [1, 1])
        // Both borrowed in one exchange: the wide count has a slice here; the narrow one none, and
        // none left in the ledger. (The first refused call's take of the wide count empties its
        // slice and starts a prefetch, which may report that take before the refusal gives it back.)
        for _ in 0..<3 {
            do {
                _ = try await allowances.take([wide, narrow])
                Issue.record("admitted past a count of 1")
            } catch {
                #expect(error == .exhausted(index: 1, retryAfter: error.retryAfter))
            }
        }
        // The wide count's slice still holds what it held: the refused calls spent none of it.
        let taken = try await allowances.take([wide])
        #expect(taken.first?.remaining == 98, "100 less the first call and this one")
        await allowances.settle(date: Date())
        #expect(ledger.count("wide").used == 2)
        #expect(ledger.count("narrow").used == 1)
    }

    @Test("a call none of whose counts has a slice borrows for all of them in one exchange, however many")
    func coldCallBorrowsOnce() async throws {
        let ledger = Ledger()
        let allowances = ledger.allowances("test")
        let demands = [
            Self.request("requests", capacity: 30), Self.spend(40),
            .init(key: "tokens", unit: .minute, capacity: 10_000, amount: 1_100, kind: .tokens, tenant: nil),
        ]
        let taken = try await allowances.take(demands)
        #expect(taken.map(\.amount) == [1, 40, 1_100])
        #expect(ledger.borrowed.withLock { $0.first } == ["requests", "budget/spend", "tokens"])
        // Each count got twice what the call needed with the one exchange: the next call takes from it.
        let again = try await allowances.take([Self.request("requests", capacity: 30)])
        #expect(again.first?.remaining == 28, "30 less two calls, from the slice")
        // That emptied the requests' slice (two calls' worth): its prefetch, off the call's path.
        for _ in 0..<10_000 where ledger.exchangeCount < 2 { await Task.yield() }
        #expect(ledger.exchangeCount == 2)

        // A count that stands refused asks nothing for the others: the call is refused at once.
        await allowances.settle(date: Date())
        let before = ledger.exchangeCount
        let spent = [Self.request("requests", capacity: 30), Self.request("spent", capacity: 0)]
        for _ in 0..<2 {
            do {
                _ = try await allowances.take(spent)
                Issue.record("admitted past a count of 0")
            } catch {
                #expect(error == .exhausted(index: 1, retryAfter: error.retryAfter))
            }
        }
        #expect(ledger.exchangeCount == before + 1, "the first refusal asked the ledger once; the second, not at all")
    }

    @Test(
        "a count quiet for two ticks still has its slice for the next call; after the third quiet tick it is handed back"
    )
    func quietCountKeepsItsSliceAboutASecond() async throws {
        let ledger = Ledger()
        let allowances = ledger.allowances("test")
        let demand = Self.request("requests", capacity: 100)
        _ = try await allowances.take([demand])
        for _ in 0..<10_000 where ledger.exchangeCount < 2 { await Task.yield() }
        await allowances.settle(date: Date())  // the tick that saw the call: a slice for two calls
        await allowances.settle(date: Date())  // quiet
        await allowances.settle(date: Date())  // quiet
        let held = ledger.count("requests").lent
        #expect(held > 0, "the quiet count keeps its slice")

        // The next call is admitted from it: no exchange on its path.
        let before = ledger.exchangeCount
        let taken = try await allowances.take([demand])
        #expect(taken.first?.amount == 1)
        #expect(ledger.exchangeCount == before)

        // Its tick reports it (and renews the slice); three quiet ticks later everything is back.
        await allowances.settle(date: Date())
        for _ in 0..<2 { await allowances.settle(date: Date()) }
        #expect(ledger.count("requests").lent > 0, "two quiet ticks: still kept")
        await allowances.settle(date: Date())
        #expect(ledger.count("requests").lent == 0, "the third quiet tick handed it back")
        #expect(ledger.count("requests").used == 2)
    }
}

extension AllowancesTests {
    @Test(
        "a count short on one instance while another holds an idle slice of it gets that slice at once: the ledger asks for it back"
    )
    func idleSliceReclaimed() async throws {
        let ledger = Ledger()
        let holder = ledger.allowances("holder")
        let caller = ledger.allowances("caller")
        ledger.onShort.withLock { $0 = { counts in Task { await holder.reclaim(counts) } } }
        let demand = Self.request("requests", capacity: 6)
        // The holder makes one call and ticks: it keeps (and renews) a slice for its rate, now idle.
        _ = try await holder.take([demand])
        for _ in 0..<10_000 where ledger.exchangeCount < 1 { await Task.yield() }
        await holder.settle(date: Date())
        let lentToHolder = ledger.count("requests").lent
        #expect(lentToHolder > 1, "the holder keeps a slice beyond its call")

        // No ticks run for either instance: the caller gets the holder's idle slice only by asking.
        var admitted = 0
        var refusal: Allowances.Refusal?
        while refusal == nil && admitted < 10 {
            do {
                _ = try await caller.take([demand])
                admitted += 1
            } catch {
                refusal = error
            }
        }
        #expect(admitted == 5, "everything but the holder's one call")
        #expect(refusal == .exhausted(index: 0, retryAfter: refusal?.retryAfter))
        #expect(ledger.count("requests").used + ledger.count("requests").lent == 6)
        #expect(ledger.count("requests").used >= 1, "the holder reported its call when it handed back")
    }
}

extension Allowances.Refusal {
    fileprivate var retryAfter: Int? {
        if case .exhausted(_, let retryAfter) = self { retryAfter } else { nil }
    }
}

extension AllowancesTests {
    /// `calls` calls one after another; the exchanges they took.
    static func calls(
        _ calls: Int, _ demand: Allowances.Demand, on allowances: Allowances, ledger: Ledger, now: Date = Date()
    ) async throws -> Int {
        let before = ledger.exchangeCount
        for _ in 0..<calls { _ = try await allowances.take([demand], now: now) }
        // A borrow started for the next calls (not waited for) is one of theirs too.
        for _ in 0..<10_000 { await Task.yield() }
        return ledger.exchangeCount - before
    }

    @Test(
        "a busy count that went quiet comes back at its last rate: one borrow for its next calls, not a slice grown again"
    )
    func quietCountComesBackAtItsRate() async throws {
        let ledger = Ledger()
        let allowances = ledger.allowances("test")
        let demand = Self.request("requests", capacity: 100_000)
        let growing = try await Self.calls(40, demand, on: allowances, ledger: ledger)
        #expect(growing > 2, "a count with no rate grows its slice from one call's worth")
        await allowances.settle(date: Date())  // the busy tick: 40 calls
        for _ in 0..<Self.quietTicks { await allowances.settle(date: Date()) }
        #expect(ledger.count("requests").lent == 0, "the quiet count handed everything back")
        #expect(ledger.count("requests").used == 40)

        #expect(try await Self.calls(40, demand, on: allowances, ledger: ledger) == 1)
        // The one borrow: the call's need and a far slice (the ledger has plenty left): eight
        // ticks at its rate.
        #expect(ledger.count("requests").lent + ledger.count("requests").used <= 40 + 1 + 8 * 40)
    }

    /// `ticks` busy ticks of `calls` calls each; the exchanges they took, the ticks' own included.
    static func busyTicks(
        _ ticks: Int, of calls: Int, _ demand: Allowances.Demand, on allowances: Allowances, ledger: Ledger
    ) async throws -> Int {
        let before = ledger.exchangeCount
        for _ in 0..<ticks {
            _ = try await Self.calls(calls, demand, on: allowances, ledger: ledger)
            await allowances.settle(date: Date())
        }
        return ledger.exchangeCount - before
    }

    @Test(
        "far from its limit a busy count exchanges about once a second, near it each tick; either way nothing spent goes unreported"
    )
    func farCountReportsOncePerSecond() async throws {
        for (capacity, far) in [(1_000_000 as Int64, true), (4_000, false)] {
            let ledger = Ledger()
            let allowances = ledger.allowances("test")
            let demand = Self.request("requests", capacity: capacity)
            _ = try await Self.busyTicks(4, of: 40, demand, on: allowances, ledger: ledger)  // its rate known
            let exchanges = try await Self.busyTicks(12, of: 40, demand, on: allowances, ledger: ledger)
            if far {
                // Twelve ticks are three seconds: a report a second, and a renewal every six ticks or so.
                #expect(exchanges <= 6, "\(exchanges) exchanges in 12 busy ticks, far from the limit")
            } else {
                #expect(exchanges >= 12, "\(exchanges) exchanges in 12 busy ticks, near the limit")
            }
            // Gone quiet, it reports everything and hands its slice back.
            for _ in 0..<Self.quietTicks { await allowances.settle(date: Date()) }
            #expect(ledger.count("requests").used == 16 * 40)
            #expect(ledger.count("requests").lent == 0)
        }
    }

    @Test("a busy count's next window borrows for the rate of the last one")
    func nextWindowAtTheRate() async throws {
        let ledger = Ledger()
        let allowances = ledger.allowances("test")
        let demand = Allowances.Demand(
            key: "requests", unit: .minute, capacity: 100_000, amount: 1, kind: .requests, tenant: nil)
        let minute = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 + 10)
        let growing = try await Self.calls(40, demand, on: allowances, ledger: ledger, now: minute)
        #expect(growing > 2)
        #expect(try await Self.calls(40, demand, on: allowances, ledger: ledger, now: minute + 60) == 1)
    }

    /// Ticks with no calls until a meter that had a rate goes.
    static let quietTicks = Allowances.quietTicksKept + 1
}
