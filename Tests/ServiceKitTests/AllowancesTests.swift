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

        func exchange(_ exchange: AllowanceExchange) -> [AllowanceExchange.Grant] {
            defer { exchanges.withLock { $0 += 1 } }
            return counts.withLock { counts in
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
        }

        func count(_ key: String) -> Count { counts.withLock { $0[key, default: Count()] } }
        var exchangeCount: Int { exchanges.withLock { $0 } }
    }

    static func spend(_ amount: Int64) -> Allowances.Demand {
        .init(key: "budget/spend", unit: .day, capacity: 100, amount: amount, final: false, tenant: nil)
    }

    /// An instance against `ledger` that reserved `amount` of the budget: its borrow, then the
    /// prefetch that borrow starts in a task of its own (waited for by count).
    static func reserved(_ amount: Int64, on ledger: Ledger) async throws -> (Allowances, [Allowances.Taken]) {
        let allowances = Allowances(exchange: { ledger.exchange($0) }, logger: Logger(label: "test"))
        let taken = try await allowances.take([spend(amount)])
        for _ in 0..<10_000 where ledger.exchangeCount < 2 { await Task.yield() }
        return (allowances, taken)
    }

    @Test("a call that used more than it reserved spends the difference at once: the next call is admitted against it")
    func overUseSpendsTheSlice() async throws {
        // 40 reserved (the borrow), then a prefetch of half of what was left, which reports the
        // reservation: 40 held, 30 more in the slice.
        let ledger = Ledger()
        let (allowances, first) = try await Self.reserved(40, on: ledger)
        #expect(ledger.count("budget/spend").held == 40)
        #expect(ledger.count("budget/spend").lent == 30)

        // The call used 90: the 50 beyond its reservation come out of the slice as far as it goes
        // (30), so 90 of the 100 are spent and a call reserving 11 does not fit.
        allowances.settle(first, used: [90])
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
        #expect(ledger.exchangeCount == 3)
    }

    @Test("a call that used less than it reserved gives the rest back with the next report")
    func underUseGivesBack() async throws {
        let ledger = Ledger()
        let (allowances, taken) = try await Self.reserved(50, on: ledger)
        allowances.settle(taken, used: [20])
        await allowances.settle(date: Date())
        let count = ledger.count("budget/spend")
        #expect(count.used == 20)
        #expect(count.held == 0)
        #expect(count.used + count.held + count.lent <= 100)
    }
}
