// At most `limit` tasks at once, a bounded wait for the rest, then a refusal:
// for work that would otherwise take every core (bcrypt), so a flood of it
// slows itself down instead of everything else.
import { ServerBusyError } from './errors';

export class Gate {
  private running = 0;
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly limit: number,
    private readonly maxWaitMs: number,
    private readonly maxWaiting = 256,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await this.turn();
    else this.running += 1;
    try {
      return await task();
    } finally {
      this.handOn();
    }
  }

  /** Waits until a running task hands its place on, or refuses after maxWaitMs. */
  private turn(): Promise<void> {
    if (this.waiting.size >= this.maxWaiting) return Promise.reject(new ServerBusyError());
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.delete(granted);
        reject(new ServerBusyError());
      }, this.maxWaitMs);
      this.waiting.add(granted);
    });
  }

  // The place passes straight to the next waiter (first come, first served), so
  // `running` only drops when nobody waits.
  private handOn(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.running -= 1;
      return;
    }
    this.waiting.delete(next.value);
    next.value();
  }
}
