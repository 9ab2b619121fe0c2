// Wipes the visitor's form after a quiet spell. Any touch, key or pen
// movement restarts the countdown; the timer functions are injectable so
// tests use fake time.

// Called as plain functions: WebKit throws "Can only call Window.setTimeout
// on instances of Window" if setTimeout is called as a method of another object.
const realTimers = {
  set: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clear: (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle),
};

export class IdleTimer {
  private handle: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private timeoutMs: number,
    private readonly onIdle: () => void,
    private readonly timers: { set: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>; clear: (handle: ReturnType<typeof setTimeout>) => void } = realTimers,
  ) {}

  setTimeout(ms: number): void {
    this.timeoutMs = ms;
  }

  /** Starts or restarts the countdown. */
  poke(): void {
    this.stop();
    this.handle = this.timers.set(() => {
      this.handle = null;
      this.onIdle();
    }, this.timeoutMs);
  }

  stop(): void {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
  }
}
