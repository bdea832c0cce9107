/**
 * Python float arithmetic that JavaScript does differently, so step counts match the reference bit for bit.
 */

/** Python's `x // y` on floats (CPython's float_floor_div: fmod, then correct towards floor). */
export function pyFloorDiv(x: number, y: number): number {
  if (y === 0) throw new RangeError('float floor division by zero');
  let mod = x % y; // JS % on numbers is C fmod, exactly
  let div = (x - mod) / y;
  if (mod !== 0 && y < 0 !== mod < 0) {
    mod += y;
    div -= 1;
  }
  if (div === 0) return Object.is(x / y, -0) || x / y < 0 ? -0 : 0;
  let floorDiv = Math.floor(div);
  if (div - floorDiv > 0.5) floorDiv += 1;
  return floorDiv;
}

/** Python's `int(x)` on a float: truncation toward zero. */
export function pyInt(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot convert ${x} to an integer`);
  return Math.trunc(x) + 0;
}

/** The exact value of a finite double as mantissa * 2^exponent. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const sign = bits >> 63n ? -1n : 1n;
  if (biased === 0) return { mantissa: sign * fraction, exponent: -1074 };
  return { mantissa: sign * (fraction | (1n << 52n)), exponent: biased - 1075 };
}

/**
 * `base ** n` for an integer n >= 0, correctly rounded (what CPython gets from the C library's pow
 * for these arguments). V8's `**` can be one ulp off, which changes `int(start * grow ** k)`.
 */
export function pyPowInt(base: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`exponent ${n} must be a non-negative integer`);
  if (n === 0) return 1;
  if (!Number.isFinite(base) || base === 0) return base ** n;
  const { mantissa, exponent } = decompose(base);
  const negative = mantissa < 0n && n % 2 === 1;
  let m = (mantissa < 0n ? -mantissa : mantissa) ** BigInt(n);
  let e = exponent * n;
  // Keep 64 significant bits plus a sticky bit: Number() then rounds once, to nearest-even, exactly.
  const excess = m.toString(2).length - 64;
  if (excess > 0) {
    const sticky = (m & ((1n << BigInt(excess)) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> BigInt(excess)) | sticky;
    e += excess;
  }
  let value = Number(m);
  // Scale in steps so no intermediate power of two overflows or underflows.
  while (e > 0) {
    const step = Math.min(e, 1000);
    value *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.max(e, -1000);
    value *= 2 ** step;
    e -= step;
  }
  return negative ? -value : value;
}
