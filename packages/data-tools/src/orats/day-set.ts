// A compact set of trade dates (days since the epoch): one bit per calendar day over the span seen,
// under 50 bytes per ticker-year, so remembering every imported day of thousands of tickers is cheap.
export class DaySet {
  private base = 0;
  private bits = new Uint8Array(0);

  has(day: number): boolean {
    const i = day - this.base;
    if (i < 0 || i >= this.bits.length * 8) return false;
    return (this.bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  add(day: number): void {
    if (this.bits.length === 0) {
      this.base = day - 8 * 64;
      this.bits = new Uint8Array(128);
    }
    let i = day - this.base;
    if (i < 0) {
      // Grow downwards by whole bytes, with slack.
      const extraBytes = Math.ceil(-i / 8) + 64;
      const next = new Uint8Array(this.bits.length + extraBytes);
      next.set(this.bits, extraBytes);
      this.bits = next;
      this.base -= extraBytes * 8;
      i = day - this.base;
    } else if (i >= this.bits.length * 8) {
      const next = new Uint8Array(Math.max(this.bits.length * 2, (i >> 3) + 65));
      next.set(this.bits);
      this.bits = next;
    }
    this.bits[i >> 3] = this.bits[i >> 3]! | (1 << (i & 7));
  }
}
