import "server-only";
import { getDb } from "@/server/db";
import { settledHead } from "./settled";

/**
 * The event id a page's live stream resumes from, read while the page is rendered on the
 * server. The page's queries run after this, so every event they might have missed (between
 * their fetch and the stream opening) is replayed; replays are idempotent patches to the cache.
 * Looked up without waiting on open writers: a start that is a little early only replays more.
 */
export async function liveStreamStartId(): Promise<string> {
  return String(await settledHead(getDb(), { waitMs: 0 }));
}
