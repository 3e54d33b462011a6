// Latency samples and their percentiles.

export class Recorder {
  private samples = new Float64Array(1024);
  count = 0;
  errors = 0;
  /** The first few unexpected responses, for the report. */
  readonly errorSamples: string[] = [];

  add(ms: number): void {
    if (this.count === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.count++] = ms;
  }

  error(what: string): void {
    this.errors++;
    if (this.errorSamples.length < 5) this.errorSamples.push(what);
  }

  /** Takes in another recorder's samples and errors (the latency phase records each kind of request apart). */
  absorb(other: Recorder): void {
    for (let i = 0; i < other.count; i++) this.add(other.samples[i]!);
    this.errors += other.errors;
    for (const e of other.errorSamples) if (this.errorSamples.length < 5) this.errorSamples.push(e);
  }

  /** p in [0, 100], nearest-rank. */
  percentiles(...ps: number[]): number[] {
    if (this.count === 0) return ps.map(() => NaN);
    const sorted = this.samples.slice(0, this.count).sort();
    return ps.map((p) => sorted[Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1))]!);
  }
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";

export const ms = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : "n/a");
