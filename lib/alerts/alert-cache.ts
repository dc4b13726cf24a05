import type { RouterOutputs } from "@/sdk/client";

export type AlertList = RouterOutputs["alerts"]["list"];
export type AlertItem = AlertList["items"][number];

/** What an alert.* event carries (server/monitor/changes.ts `alertJson`): the row less two columns. */
export type AlertEventData = Omit<AlertItem, "lastNotifiedAt" | "clearSince">;

/** Which alerts a cached list holds: `firing` only, or every state. */
export type AlertListFilter = "firing" | "all";

export const ALERT_EVENT_KINDS = [
  "alert.opened",
  "alert.updated",
  "alert.resolved",
  "alert.acknowledged",
] as const;

/** The alert in an alert.* event's data, or null when it is not one (an older event shape). */
export function alertFromEvent(event: { kind: string; data?: unknown }): AlertEventData | null {
  if (!(ALERT_EVENT_KINDS as readonly string[]).includes(event.kind)) return null;
  const data = event.data as Partial<AlertEventData> | undefined;
  if (!data || typeof data.id !== "number" || typeof data.state !== "string") return null;
  return data as AlertEventData;
}

/**
 * A cached page of alerts with newer versions of some alerts applied: a known alert is replaced
 * (keeping the columns events leave out), a new one is added in id order (newest first), and in a
 * `firing` list a resolved one is dropped. Versions older than the cached row (by `updatedAt`,
 * then acknowledgement) are ignored, so a late event cannot undo a mutation's answer.
 */
export function applyAlerts(
  list: AlertList | undefined,
  changes: readonly (AlertEventData | AlertItem)[],
  filter: AlertListFilter,
): AlertList | undefined {
  if (!list || changes.length === 0) return list;
  const byId = new Map(list.items.map((item) => [item.id, item]));
  for (const change of changes) {
    const known = byId.get(change.id);
    if (known && isOlder(change, known)) continue;
    const merged: AlertItem = {
      lastNotifiedAt: null,
      clearSince: null,
      ...known,
      ...change,
    };
    if (filter === "firing" && merged.state !== "firing") byId.delete(change.id);
    else if (known || isWithinPage(list, change.id)) byId.set(change.id, merged);
  }
  const items = [...byId.values()].sort((a, b) => b.id - a.id);
  return { ...list, items };
}

/** An alert unknown to the page belongs on it when its id falls in the page's range. */
function isWithinPage(list: AlertList, id: number): boolean {
  return list.nextCursor === null || id > list.nextCursor;
}

function isOlder(change: AlertEventData | AlertItem, known: AlertItem): boolean {
  const changeAt = Date.parse(change.updatedAt);
  const knownAt = Date.parse(known.updatedAt);
  if (changeAt !== knownAt) return changeAt < knownAt;
  // Same update time: an acknowledgement (which leaves updatedAt alone) is never taken back.
  if (known.state === "resolved" && change.state === "firing") return true;
  return known.acknowledgedAt !== null && change.acknowledgedAt === null;
}
