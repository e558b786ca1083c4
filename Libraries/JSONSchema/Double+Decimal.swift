extension Double {
    /// Whether this is a finite number without a fractional part (so `1.0` is an integer).
    var isWhole: Bool { isFinite && rounded(.towardZero) == self }

    /// Whether this is an integer multiple of `divisor`, both read as the shortest decimals that
    /// round-trip (what the JSON most likely said), so `19.99` is a multiple of `0.01` exactly
    /// and `1000000000.5` is not a multiple of `1`, with no floating-point tolerance.
    func isMultiple(ofDecimal divisor: Double) -> Bool {
        guard let number = DecimalParts(self), let divisor = DecimalParts(divisor), divisor.digits != 0 else {
            return false
        }
        if number.digits == 0 { return true }
        // number / divisor = (n / d) * 10^(ne - de): an integer exactly when d divides n * 10^(ne - de).
        let shift = number.exponent - divisor.exponent
        if shift >= 0 {
            return Self.remainder(number.digits, timesTenToThe: shift, modulo: divisor.digits) == 0
        }
        // A negative shift needs d * 10^-shift to divide n, which has at most 17 digits.
        var scaled = divisor.digits
        for _ in 0..<(-shift) {
            let (product, overflow) = scaled.multipliedReportingOverflow(by: 10)
            if overflow || product > number.digits { return false }
            scaled = product
        }
        return number.digits % scaled == 0
    }

    /// `value * 10^power mod modulus`, by square-and-multiply with full-width products.
    private static func remainder(_ value: UInt64, timesTenToThe power: Int, modulo modulus: UInt64) -> UInt64 {
        func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let product = a.multipliedFullWidth(by: b)
            return modulus.dividingFullWidth((product.high, product.low)).remainder
        }
        var result = value % modulus
        var base = 10 % modulus
        var power = power
        while power > 0 && result != 0 {
            if power & 1 == 1 { result = multiply(result, base) }
            base = multiply(base, base)
            power >>= 1
        }
        return result
    }
}

/// A finite double as `digits * 10^exponent`, from its shortest round-tripping decimal text.
private struct DecimalParts {
    var digits: UInt64
    var exponent: Int

    init?(_ value: Double) {
        guard value.isFinite else { return nil }
        // `description` is the shortest text that round-trips: `19.99`, `1e-05`, `1.2345678901234568e+16`.
        let text = value.magnitude.description
        let parts = text.split(separator: "e", maxSplits: 1)
        guard let mantissa = parts.first, let exponent = parts.count == 2 ? Int(parts[1]) : 0 else { return nil }
        let fraction = mantissa.split(separator: ".", maxSplits: 1).dropFirst().first ?? ""
        var digits = mantissa.filter { $0 != "." }
        var scale = exponent - fraction.count
        while digits.count > 1, digits.last == "0" {
            digits.removeLast()
            scale += 1
        }
        guard let number = UInt64(digits) else { return nil }
        self.digits = number
        self.exponent = scale
    }
}
