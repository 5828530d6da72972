/**
 * What the dashboard shows beyond the counters: the busiest subjects, sampled (one
 * publish in SAMPLE_EVERY is recorded, so the hot path pays one decrement per message),
 * and the most recent slow consumers.
 */

/** One published message in this many is recorded per connection. */
export const SAMPLE_EVERY = 32;
/** Counts cover the last one to two windows. */
const WINDOW_MS = 10_000;
const MAX_SUBJECTS = 2000;
const MAX_SLOW_CONSUMERS = 50;

export interface SubjectActivity {
  subject: string;
  account: string;
  /** Estimated messages (samples × SAMPLE_EVERY) over `windowMs`. */
  msgs: number;
  bytes: number;
}

export interface SlowConsumerEvent {
  cid: number;
  name: string;
  account: string;
  reason: string;
  time: string;
}

interface Tally {
  msgs: number;
  bytes: number;
}

export class Activity {
  private current = new Map<string, Tally>();
  private previous = new Map<string, Tally>();
  private rotatedAt = Date.now();
  private readonly slow: SlowConsumerEvent[] = [];

  /** Records one sampled publish (account and subject as byte strings). */
  sample(account: string, subject: string, bytes: number): void {
    this.rotate();
    const key = `${account} ${subject}`;
    const tally = this.current.get(key);
    if (tally !== undefined) {
      tally.msgs++;
      tally.bytes += bytes;
      return;
    }
    if (this.current.size >= MAX_SUBJECTS) return;
    this.current.set(key, { msgs: 1, bytes });
  }

  /** The busiest subjects of the last one to two windows, most messages first. */
  topSubjects(limit: number): { windowMs: number; subjects: SubjectActivity[] } {
    this.rotate();
    const merged = new Map<string, Tally>();
    for (const map of [this.previous, this.current]) {
      for (const [key, t] of map) {
        const m = merged.get(key) ?? { msgs: 0, bytes: 0 };
        m.msgs += t.msgs;
        m.bytes += t.bytes;
        merged.set(key, m);
      }
    }
    const subjects = [...merged]
      .map(([key, t]) => {
        const space = key.indexOf(' ');
        return { account: key.slice(0, space), subject: key.slice(space + 1), msgs: t.msgs * SAMPLE_EVERY, bytes: t.bytes * SAMPLE_EVERY };
      })
      .sort((a, b) => b.msgs - a.msgs)
      .slice(0, limit);
    return { windowMs: Date.now() - this.rotatedAt + WINDOW_MS, subjects };
  }

  slowConsumer(event: SlowConsumerEvent): void {
    this.slow.push(event);
    if (this.slow.length > MAX_SLOW_CONSUMERS) this.slow.shift();
  }

  /** The most recent slow consumers, newest first. */
  slowConsumers(): SlowConsumerEvent[] {
    return [...this.slow].reverse();
  }

  private rotate(): void {
    const now = Date.now();
    if (now - this.rotatedAt < WINDOW_MS) return;
    // After a long quiet spell both windows are stale.
    this.previous = now - this.rotatedAt < 2 * WINDOW_MS ? this.current : new Map();
    this.current = new Map();
    this.rotatedAt = now;
  }
}
