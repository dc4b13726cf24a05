import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";
import type { LogLevel } from "./types";

type Sink = (level: LogLevel, message: string) => void;

/** The task whose handler is running in the current async context, if it captures console. */
const current = new AsyncLocalStorage<Sink>();

const METHODS = {
  debug: "debug",
  log: "info",
  info: "info",
  warn: "warn",
  error: "error",
} as const;
type Method = keyof typeof METHODS;

let users = 0;
let originals: Partial<Record<Method, (...args: unknown[]) => void>> = {};

/**
 * Routes console.debug/log/info/warn/error called inside a handler to that task's log, and
 * still writes them where they went before. AsyncLocalStorage attributes each call to the task
 * whose handler (or anything it awaited) made it, however many run at once; calls outside a
 * handler are left alone. Installed while at least one worker asks for it.
 */
export function installConsoleCapture(): () => void {
  if (users++ === 0) {
    originals = {};
    for (const method of Object.keys(METHODS) as Method[]) {
      const original = console[method].bind(console);
      originals[method] = original;
      console[method] = (...args: unknown[]) => {
        const sink = current.getStore();
        if (sink) sink(METHODS[method], format(...args));
        original(...args);
      };
    }
  }
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (--users > 0) return;
    for (const method of Object.keys(METHODS) as Method[]) {
      const original = originals[method];
      if (original) console[method] = original;
    }
    originals = {};
  };
}

/** Runs `handler` with console output attributed to `sink`. */
export function withConsoleSink<T>(sink: Sink, handler: () => T): T {
  return current.run(sink, handler);
}
