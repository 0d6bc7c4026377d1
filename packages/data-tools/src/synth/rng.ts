// Seeded random numbers that come out the same on every platform.
//
// Choices: xoshiro128** (Blackman & Vigna) for the stream, written with 32-bit integer operations
// (Math.imul, shifts) so no BigInt and no floating point touches the state; its four state words
// are filled by a splitmix32-style mixer from two 32-bit hashes of a label string such as
// "7|path|SPX" (seed | purpose | ticker). Every ticker and every purpose thus gets its own stream:
// adding a ticker, or drawing more numbers for one purpose, never shifts another stream.
// Uniforms carry 53 random bits; standard normals come from Marsaglia's polar method, which needs
// only sqrt (exact in IEEE 754) and log (V8 ships its own fdlibm port, so it is the same everywhere).

/** FNV-1a over UTF-16 code units, with a caller-chosen offset basis. */
function hashString(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit finalizer (avalanche) applied to a Weyl sequence: the splitmix idea in 32 bits. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_POW_53 = 9007199254740992;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  /** A stream keyed by `label`; equal labels give equal streams. */
  constructor(label: string) {
    let a = hashString(label, 0x811c9dc5);
    let b = hashString(label, 0x1b873593);
    a = (a + 0x9e3779b9) | 0;
    this.s0 = mix32(a);
    a = (a + 0x9e3779b9) | 0;
    this.s1 = mix32(a);
    b = (b + 0x9e3779b9) | 0;
    this.s2 = mix32(b ^ 0x5bd1e995);
    b = (b + 0x9e3779b9) | 0;
    this.s3 = mix32(b ^ 0x27d4eb2f);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The stream for one purpose of one ticker (or of the whole dataset when ticker is omitted). */
  static stream(seed: number, purpose: string, ticker = ""): Rng {
    return new Rng(`${seed}|${purpose}|${ticker}`);
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (Marsaglia polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Poisson count with a small mean (inversion; fine for the means used here, well below 10). */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }
}
