// Throttles for a server that faces the internet: repeated failed authentications from one address, and
// (optionally) requests per token. Both keep bounded state in memory.

const MAX_TRACKED = 100_000;

interface FailureWindow {
  count: number;
  start: number;
}

export interface AuthThrottleOptions {
  readonly windowMs: number;
  /** Failures after which each further 401 is delayed. */
  readonly delayAfter: number;
  /** Failures after which the address is answered 429 until its window ends. */
  readonly blockAfter: number;
  readonly clock?: () => number;
}

/** Counts failed authentications per client address within a fixed window. */
export class AuthThrottle {
  private readonly windows = new Map<string, FailureWindow>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.now = opts.clock ?? Date.now;
  }

  private current(address: string): FailureWindow | undefined {
    const w = this.windows.get(address);
    if (w && this.now() - w.start >= this.opts.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  /** Seconds the address must wait before it may try again, or 0 when it is not blocked. */
  retryAfter(address: string): number {
    const w = this.current(address);
    if (!w || w.count < this.opts.blockAfter) return 0;
    return Math.max(1, Math.ceil((w.start + this.opts.windowMs - this.now()) / 1000));
  }

  /** Records a failure; returns how long to hold the 401 (growing with each failure past delayAfter, at most 2 s). */
  fail(address: string): number {
    let w = this.current(address);
    if (!w) {
      if (this.windows.size >= MAX_TRACKED) this.evict();
      w = { count: 0, start: this.now() };
      this.windows.set(address, w);
    }
    w.count++;
    const excess = w.count - this.opts.delayAfter;
    return excess > 0 ? Math.min(2000, 100 * excess) : 0;
  }

  private evict(): void {
    const cutoff = this.now() - this.opts.windowMs;
    for (const [k, w] of this.windows) if (w.start < cutoff) this.windows.delete(k);
    // Still full of live windows: drop the oldest tenth rather than grow without bound.
    if (this.windows.size >= MAX_TRACKED) {
      let n = Math.ceil(MAX_TRACKED / 10);
      for (const k of this.windows.keys()) {
        if (n-- <= 0) break;
        this.windows.delete(k);
      }
    }
  }
}

/** A token bucket per token: `perSecond` requests a second, with a burst of the same size. */
export class TokenRateLimit {
  private readonly buckets = new Map<number, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(
    private readonly perSecond: number,
    clock?: () => number,
  ) {
    this.now = clock ?? Date.now;
  }

  /** 0 when the request may go ahead, else the seconds to wait. */
  take(tokenId: number): number {
    const t = this.now();
    const b = this.buckets.get(tokenId) ?? { tokens: this.perSecond, at: t };
    b.tokens = Math.min(this.perSecond, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(tokenId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }
}
