export interface BatcherOptions<T> {
  /** Wait this long for more items before sending a partial batch; 0 sends at once. */
  delayMs: number;
  maxBatch: number;
  /**
   * Whether an item pushed while nothing is in flight should go at once instead of waiting
   * `delayMs` for company: when no other item can be coming (the worker runs nothing else),
   * the delay would be pure latency.
   */
  sendNow?: () => boolean;
  /** Called once a batch has been handled (its items no longer count in `size`). */
  onHandled?: () => void;
  /** Sends one batch. Must not reject: it owns its retries and error reporting. */
  send: (batch: T[]) => Promise<void>;
}

/**
 * Collects items and sends them in batches, one batch in flight at a time. Items that arrive
 * while a batch is in flight are sent as soon as it returns, without a further delay: under
 * load batches grow by themselves to what one round trip accumulates.
 */
export class Batcher<T> {
  private pending: T[] = [];
  /** The batch in flight. */
  private sending: T[] = [];
  /** Items pushed, and items whose batch has been handled, over the batcher's life. */
  private pushed = 0;
  private handled = 0;
  private inFlight: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: BatcherOptions<T>) {}

  /** Items not yet acknowledged: waiting, or in the batch in flight. */
  get size(): number {
    return this.pending.length + this.sending.length;
  }

  /** The items not yet acknowledged (those `size` counts). */
  *unacknowledged(): Iterable<T> {
    yield* this.sending;
    yield* this.pending;
  }

  push(item: T): void {
    this.pending.push(item);
    this.pushed += 1;
    if (this.inFlight) return;
    if (
      this.pending.length >= this.options.maxBatch ||
      this.options.delayMs <= 0 ||
      this.options.sendNow?.()
    ) {
      this.kick();
    } else this.timer ??= setTimeout(() => this.kick(), this.options.delayMs);
  }

  /** Sends everything pushed so far, and resolves when all of it has been handled. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight) {
      this.kick();
      await this.inFlight;
    }
  }

  /**
   * Sends what was pushed before this call and resolves once it has been handled; unlike
   * drain(), items pushed meanwhile do not keep it waiting (batches go out in push order).
   */
  async flush(): Promise<void> {
    const target = this.pushed;
    while (this.handled < target) {
      this.kick();
      await this.inFlight;
    }
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.options.maxBatch);
    this.sending = batch;
    this.inFlight = this.options
      .send(batch)
      // A broken `send` must not leave an unhandled rejection or wedge the queue.
      .catch((error: unknown) => console.error("task-manager worker: a batch send threw", error))
      .finally(() => {
        this.inFlight = undefined;
        this.handled += batch.length;
        this.sending = [];
        this.kick();
        this.options.onHandled?.();
      });
  }
}
