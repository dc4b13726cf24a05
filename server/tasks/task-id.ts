import { randomBytes } from "node:crypto";

/**
 * A new task id: a UUIDv7 (RFC 9562), its first 48 bits the time in milliseconds, the rest
 * random. Time-ordered ids keep the hot path's index writes on the newest pages of the b-trees
 * keyed by task id (tasks_pkey, task_events_task_idx, task_dependencies, task_logs): with
 * random ids each new task's rows land on a random page of indexes a history of millions of
 * tasks makes larger than memory, and each such page costs a read, and a full-page image in
 * the WAL after every checkpoint. Ids stay opaque: nothing may read the time back out of them.
 */
export function newTaskId(): string {
  const bytes = randomBytes(16);
  const ms = Date.now();
  // 48-bit big-endian milliseconds: the high 16 bits, then the low 32.
  bytes.writeUInt16BE(Math.floor(ms / 2 ** 32), 0);
  bytes.writeUInt32BE(ms % 2 ** 32, 2);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
