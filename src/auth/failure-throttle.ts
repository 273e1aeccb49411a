/**
 * Failures per address in a window: after `maxFailures` from one address within `windowMs`, that address
 * is refused until the window that began with its first failure ends. It slows console password guessing
 * and bounds how many refused publishes one address gets recorded. Memory is bounded: entries
 * expire, and when the map is full the oldest goes first.
 */
export interface FailureThrottleOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxEntries: number;
  readonly now: () => number;
}

interface Failures {
  readonly since: number;
  count: number;
}

export const FAILURE_THROTTLE_DEFAULTS: FailureThrottleOptions = {
  maxFailures: 5,
  windowMs: 15 * 60 * 1000,
  maxEntries: 10_000,
  now: Date.now,
};

export class FailureThrottle {
  /** Insertion order is window-start order: a new window is a new entry. */
  private readonly failures = new Map<string, Failures>();
  private readonly options: FailureThrottleOptions;

  constructor(options: Partial<FailureThrottleOptions> = {}) {
    this.options = { ...FAILURE_THROTTLE_DEFAULTS, ...options };
  }

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const entry = this.current(address);
    if (entry === undefined || entry.count < this.options.maxFailures) return 0;
    return entry.since + this.options.windowMs - this.options.now();
  }

  recordFailure(address: string): void {
    const entry = this.current(address);
    if (entry !== undefined) {
      entry.count += 1;
      return;
    }
    this.makeRoom();
    this.failures.set(address, { since: this.options.now(), count: 1 });
  }

  recordSuccess(address: string): void {
    this.failures.delete(address);
  }

  get size(): number {
    return this.failures.size;
  }

  private current(address: string): Failures | undefined {
    const entry = this.failures.get(address);
    if (entry === undefined || !this.expired(entry)) return entry;
    this.failures.delete(address);
    return undefined;
  }

  private expired(entry: Failures): boolean {
    return this.options.now() - entry.since >= this.options.windowMs;
  }

  private makeRoom(): void {
    for (const [address, entry] of this.failures) {
      if (this.failures.size < this.options.maxEntries && !this.expired(entry)) return;
      this.failures.delete(address);
    }
  }
}
