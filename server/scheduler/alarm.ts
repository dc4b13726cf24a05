/** Why a sleep of the sweep loop ended. */
export type AlarmResult = "due" | "woken";

/** A sleep that can be cut short or brought forward: the sweep loop's only timer. */
export interface Alarm {
  /** Sleeps until `at`. Resolves at once if wake() was called since the last sleep ended. */
  sleepUntil(at: Date): Promise<AlarmResult>;
  /**
   * Ends the current sleep now. With no sleep in progress (a pass is running), the next sleep
   * ends at once instead: whatever prompted the wake may have happened after the pass read it.
   */
  wake(): void;
  /** Moves the current sleep's end earlier; a later time is ignored. */
  bringForward(at: Date): void;
  /** The end of the current sleep, or null when not sleeping. */
  dueAt(): Date | null;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function createAlarm(): Alarm {
  let pending: {
    at: number;
    timer: ReturnType<typeof setTimeout>;
    resolve: (r: AlarmResult) => void;
  } | null = null;
  let wakeRequested = false;

  const finish = (result: AlarmResult) => {
    if (!pending) return;
    clearTimeout(pending.timer);
    const { resolve } = pending;
    pending = null;
    resolve(result);
  };

  const arm = (at: number, resolve: (r: AlarmResult) => void) => {
    // setTimeout fires at once for delays beyond 2^31-1 ms; an early pass is harmless.
    const delay = Math.min(Math.max(0, at - Date.now()), MAX_TIMEOUT_MS);
    const timer = setTimeout(() => finish("due"), delay);
    pending = { at, timer, resolve };
  };

  return {
    sleepUntil(at) {
      // One sleeper at a time: the loop is the only caller, and awaits each sleep.
      finish("woken");
      if (wakeRequested) {
        wakeRequested = false;
        return Promise.resolve("woken");
      }
      return new Promise((resolve) => arm(at.getTime(), resolve));
    },
    wake() {
      if (pending) finish("woken");
      else wakeRequested = true;
    },
    bringForward(at) {
      if (!pending || at.getTime() >= pending.at) return;
      clearTimeout(pending.timer);
      arm(at.getTime(), pending.resolve);
    },
    dueAt: () => (pending ? new Date(pending.at) : null),
  };
}
