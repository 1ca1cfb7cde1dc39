/**
 * Rounding half-to-even at 3 decimals, decided on the exact value of the double.
 *
 * `toFixed` also works on the exact value but breaks ties away from zero (2.0625 → "2.063"), and
 * `Math.round(x * 1000) / 1000` first rounds `x * 1000`, which can move a value across a tie. Here the double is
 * split into its integer mantissa and binary exponent, so `x * 1000 = m * 1000 * 2^e` is an exact rational and
 * the comparison with the tie is exact. The result is the double nearest to the decimal `q / 1000`.
 */

const SCALE = 1000;
const TWO_POW_52 = 2 ** 52;

const view = new DataView(new ArrayBuffer(8));

/** Returns the integer mantissa and binary exponent of a finite non-zero double: |x| = mantissa * 2^exponent. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fracHi = hi & 0xfffff;
  let mantissa = (BigInt(fracHi) << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) {
    exponent = -1074; // subnormal
  } else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  return { mantissa, exponent };
}

function roundExactly(abs: number): number {
  const { mantissa, exponent } = decompose(abs);
  if (exponent >= 0) return abs; // an integer already
  const numerator = mantissa * BigInt(SCALE);
  const shift = BigInt(-exponent);
  let q = numerator >> shift;
  const remainder = numerator - (q << shift);
  const twice = remainder << 1n;
  const denominator = 1n << shift;
  if (twice > denominator || (twice === denominator && (q & 1n) === 1n)) q += 1n;
  const digits = q.toString().padStart(4, "0");
  return Number(`${digits.slice(0, -3)}.${digits.slice(-3)}`);
}

/**
 * Rounds to 3 decimals, ties to even, on the exact binary value.
 *
 * @example roundHalfEven3(2.0625) === 2.062; roundHalfEven3(0.0005) === 0.001 (its double is just above the tie)
 */
export function roundHalfEven3(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  const abs = Math.abs(x);
  // Fast path: when x * 1000 (error at most one half-ulp) is clearly away from a tie, the rounding direction
  // is certain (near an integer both sides round to that integer), and q / 1000 with an exact integer q is
  // the correctly rounded double of the decimal.
  const scaled = abs * SCALE;
  if (scaled < TWO_POW_52) {
    const floor = Math.floor(scaled);
    const fraction = scaled - floor;
    const margin = scaled * 4e-16 + 1e-300;
    if (Math.abs(fraction - 0.5) > margin) {
      const q = fraction > 0.5 ? floor + 1 : floor;
      const r = q / SCALE;
      return x < 0 ? -r : r;
    }
  }
  const r = roundExactly(abs);
  return x < 0 ? -r : r;
}
