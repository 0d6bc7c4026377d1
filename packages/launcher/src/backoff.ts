// Exponential backoff with jitter, and the clock (time, sleep, randomness) it runs on, injectable for tests.
import { setTimeout as delay } from "node:timers/promises";
import { isThrottling } from "./errors.js";

/** Time, sleep and randomness: the real ones in the CLI, fakes in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
  random: () => Math.random(),
};

export interface BackoffPolicy {
  /** The first delay, before jitter. */
  baseMs: number;
  /** The cap on any delay. */
  maxMs: number;
  /** Growth per step (default 2). */
  factor?: number;
}

/**
 * The delay before retry/poll number `step` (0-based): `min(max, base · factor^step)`, of which
 * a random half is kept ("equal jitter"), so concurrent callers spread out but never spin.
 */
export function backoffDelay(step: number, policy: BackoffPolicy, random: () => number): number {
  const factor = policy.factor ?? 2;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * factor ** Math.max(0, step));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number;
  policy: BackoffPolicy;
  clock: Clock;
  /** Which failures are worth another try (default: throttling and 503s). */
  retryable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** Calls `fn` until it succeeds, a failure is not retryable, or the attempts run out. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const retryable = opts.retryable ?? isThrottling;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= opts.attempts || !retryable(err)) throw err;
      const ms = backoffDelay(attempt - 1, opts.policy, opts.clock.random);
      opts.onRetry?.(err, attempt, ms);
      await opts.clock.sleep(ms, opts.signal);
    }
  }
}
