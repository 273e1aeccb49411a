/**
 * The delivery worker: claims due outbox rows and POSTs them, at least once and in order per stream.
 * State lives in the catalog, so a restart (or a crash, once the claim's lease runs out) resumes where
 * it stopped, and any number of processes on one PostgreSQL share the work without repeating an attempt.
 */
import type { NotificationRepository, NotificationRow, Settlement } from '../catalog/notifications.js';
import type { Logger } from '../log.js';
import { isAcknowledged, keptResponse, type PostCallback, postCallback } from './http-attempt.js';
import type { CallbackSettings } from './settings.js';
import { retryDelayMs } from './settings.js';
import { bodySignature, signedBody } from './sign.js';

export interface DeliveryWorkerOptions {
  readonly outbox: NotificationRepository;
  /** The effective settings at the moment of an attempt. */
  readonly settings: () => CallbackSettings;
  /** Called before each claim, to pick up other nodes' settings changes. */
  readonly beforeClaim?: () => Promise<void>;
  readonly log: Logger;
  /** Unique per process: the claim's owner. */
  readonly claimer: string;
  /** How often to look for rows other processes committed (ours wake the worker at once). */
  readonly pollMs?: number;
  /** Streams delivered at once; a slow receiver then holds up only its own streams. */
  readonly maxInFlight?: number;
  readonly post?: PostCallback;
}

/**
 * Our own rows and retries wake the worker at once, so the poll only finds rows of another node (that died
 * before delivering them, whose claims wait out a lease of 30 s anyway, or that is busy with a backlog). Every poll is a claim transaction
 * on the catalog; at one a second it was a large part of an idle server's CPU.
 */
const DEFAULT_POLL_MS = 5000;
const DEFAULT_MAX_IN_FLIGHT = 16;
/** On close, attempts in flight get this long to finish before they are cut and their claims released. */
const CLOSE_GRACE_MS = 2000;
/** A claim outlives its attempt's timeout by this much, so only a stalled process loses it. */
const LEASE_MARGIN_MS = 30_000;

export class DeliveryWorker {
  private readonly pollMs: number;
  private readonly maxInFlight: number;
  private readonly post: PostCallback;
  private readonly log: Logger;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private cycle: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.post = options.post ?? postCallback;
    this.log = options.log;
  }

  /** Look for due work now: a row was just committed, or an attempt just settled. */
  wake(): void {
    if (this.closed) return;
    if (this.cycle) {
      this.again = true;
      return;
    }
    this.cycle = this.runCycles().finally(() => {
      this.cycle = undefined;
      // A wake that arrived after the last loop test but before this callback would otherwise be lost
      // until the next poll.
      if (this.again && !this.closed) this.wake();
      else this.scheduleAt(Date.now() + this.pollInterval());
    });
  }

  /**
   * Rows of other nodes are looked for at least as often as a retry is due (an operator who asks for
   * quick retries wants a busy peer's backlog shared quickly too), and at most every `pollMs`.
   */
  private pollInterval(): number {
    return Math.min(this.pollMs, this.options.settings().retry.intervalSec * 1000);
  }

  /** Stops claiming, lets attempts in flight finish for a moment, then cuts them and releases their claims. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.cycle;
    const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
    await Promise.race([Promise.all(this.inFlight), grace]);
    this.stop.abort();
    await Promise.all(this.inFlight);
  }

  private async runCycles(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.claimAndStart();
      } catch (error) {
        this.log.error({ err: error }, 'notify: claiming callbacks failed; retrying at the next poll');
        return;
      }
    } while (this.again && !this.closed);
  }

  private async claimAndStart(): Promise<void> {
    const room = this.maxInFlight - this.inFlight.size;
    if (room <= 0 || this.closed) return;
    await this.options.beforeClaim?.();
    const now = Date.now();
    const claims = await this.options.outbox.claimDue({
      now,
      leaseMs: this.options.settings().timeoutSec * 1000 + LEASE_MARGIN_MS,
      claimer: this.options.claimer,
      limit: room,
    });
    for (const claim of claims) {
      const attempt = this.attempt(claim)
        .catch((error: unknown) =>
          this.log.error({ err: error, id: claim.id }, 'notify: settling an attempt failed'),
        )
        .finally(() => {
          this.inFlight.delete(attempt);
          // The stream's next event may be due now.
          this.wake();
        });
      this.inFlight.add(attempt);
    }
    // A full batch may mean more is waiting.
    if (claims.length === room) this.again = true;
  }

  private async attempt(claim: NotificationRow): Promise<void> {
    const settings = this.options.settings();
    const body = signedBody(claim.payload, settings.key, Date.now());
    const result = await this.post({
      url: claim.url,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'LiveTape',
        'x-livetape-event-id': claim.id,
        'x-livetape-attempt': String(claim.attempts),
        'x-livetape-signature': bodySignature(settings.key, body),
      },
      timeoutMs: settings.timeoutSec * 1000,
      signal: this.stop.signal,
    });
    if (result.interrupted) {
      await this.options.outbox.release(claim, Date.now());
      return;
    }
    const settlement = this.settlement(claim, isAcknowledged(result, settings.strict), settings);
    const outcome = { status: result.status, error: result.error, response: keptResponse(result.response) };
    const kept = await this.options.outbox.settle(claim, outcome, settlement);
    const fields = {
      id: claim.id,
      event: claim.eventType,
      stream: claim.streamKey,
      attempt: claim.attempts,
      status: result.status,
    };
    if (!kept)
      this.log.warn(fields, 'notify: claim expired during the attempt; another worker owns the callback');
    else if (settlement.status === 'delivered') this.log.debug(fields, 'notify: callback delivered');
    else if (settlement.status === 'dead')
      this.log.error({ ...fields, error: result.error }, 'notify: callback dead after its last retry');
    else {
      this.log.warn({ ...fields, error: result.error }, 'notify: callback attempt failed; will retry');
      this.scheduleAt(settlement.nextAttemptAt);
    }
  }

  private settlement(claim: NotificationRow, acknowledged: boolean, settings: CallbackSettings): Settlement {
    const now = Date.now();
    if (acknowledged) return { status: 'delivered', at: now };
    const attemptInRound = claim.attempts - claim.retryBase;
    if (attemptInRound > settings.retry.count) return { status: 'dead' };
    return { status: 'pending', nextAttemptAt: now + retryDelayMs(settings.retry, attemptInRound) };
  }

  /** Keeps one timer, at the earliest moment anything asked for. */
  private scheduleAt(at: number): void {
    if (this.closed || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timerAt = Number.POSITIVE_INFINITY;
        // Timers run on the event loop's cached clock, which lags Date.now() under load, so they can
        // fire early against the due times in the outbox: wait out the rest rather than find nothing due.
        if (Date.now() < at) this.scheduleAt(at);
        else this.wake();
      },
      Math.max(0, at - Date.now()),
    );
    // Waiting for work must not keep a process alive whose server failed to start.
    this.timer.unref();
  }
}
