/**
 * Process-wide single instances (the database pool, the event hub, the logger, the
 * scheduler). They live on globalThis, in one place, because Next bundles instrumentation.ts
 * and each route handler separately, each with its own copy of every module, and `next dev`
 * re-evaluates modules on reload: a module-level variable would exist once per bundle.
 */
const holder = globalThis as typeof globalThis & { __taskManager?: Map<string, unknown> };
holder.__taskManager ??= new Map();
const slots = holder.__taskManager;

export interface ProcessSlot<T> {
  get(): T | undefined;
  /** The value, created by `create` on first use. */
  getOrCreate(create: () => T): T;
  set(value: T): void;
  clear(): void;
}

/** The slot named `name`; every bundle that asks for the same name shares its value. */
export function processSlot<T>(name: string): ProcessSlot<T> {
  return {
    get: () => slots.get(name) as T | undefined,
    getOrCreate(create) {
      if (!slots.has(name)) slots.set(name, create());
      return slots.get(name) as T;
    },
    set: (value) => void slots.set(name, value),
    clear: () => void slots.delete(name),
  };
}
