import { describe, expect, it } from "vitest";
import { type AlertItem, type AlertList, alertFromEvent, applyAlerts } from "./alert-cache";

function alert(id: number, overrides: Partial<AlertItem> = {}): AlertItem {
  return {
    id,
    rule: "resource_usage",
    subject: `pool:p${id}`,
    state: "firing",
    severity: "warning",
    value: 0.85,
    threshold: 0.8,
    message: `pool p${id} is 85 % used`,
    openedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    resolvedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedBy: null,
    lastNotifiedAt: null,
    clearSince: null,
    ...overrides,
  };
}

const page = (items: AlertItem[], nextCursor: number | null = null): AlertList => ({
  items,
  nextCursor,
});

describe("applyAlerts", () => {
  it("adds a new alert first and replaces a known one, keeping columns events leave out", () => {
    const known = alert(1, { lastNotifiedAt: "2026-01-01T00:00:01.000Z" });
    const next = applyAlerts(
      page([known]),
      [
        alert(2),
        { ...alert(1, { severity: "critical", updatedAt: "2026-01-01T00:01:00.000Z" }) },
      ].map(({ lastNotifiedAt: _, clearSince: __, ...data }) => data),
      "all",
    );
    expect(next?.items.map((a) => [a.id, a.severity])).toEqual([
      [2, "warning"],
      [1, "critical"],
    ]);
    expect(next?.items[1]?.lastNotifiedAt).toBe("2026-01-01T00:00:01.000Z");
  });

  it("drops a resolved alert from the firing list but keeps it in the full list", () => {
    const resolved = alert(1, { state: "resolved", updatedAt: "2026-01-01T00:05:00.000Z" });
    expect(applyAlerts(page([alert(1)]), [resolved], "firing")?.items).toEqual([]);
    expect(applyAlerts(page([alert(1)]), [resolved], "all")?.items[0]?.state).toBe("resolved");
    // Nor does a resolved alert unknown to the firing list get added to it.
    expect(applyAlerts(page([]), [alert(5, { state: "resolved" })], "firing")?.items).toEqual([]);
  });

  it("ignores a late event older than what the cache holds", () => {
    const acknowledged = alert(1, { acknowledgedAt: "2026-01-01T00:00:05.000Z" });
    const next = applyAlerts(page([acknowledged]), [alert(1)], "all");
    expect(next?.items[0]?.acknowledgedAt).toBe("2026-01-01T00:00:05.000Z");
    const resolved = alert(2, { state: "resolved", updatedAt: "2026-01-01T00:05:00.000Z" });
    expect(applyAlerts(page([resolved]), [alert(2)], "all")?.items[0]?.state).toBe("resolved");
  });

  it("leaves a later page alone when an older alert it does not hold changes", () => {
    const later = page([alert(10), alert(9)], 9);
    expect(applyAlerts(later, [alert(3)], "all")?.items.map((a) => a.id)).toEqual([10, 9]);
  });

  it("leaves an uncached list undefined", () => {
    expect(applyAlerts(undefined, [alert(1)], "all")).toBeUndefined();
  });
});

describe("alertFromEvent", () => {
  it("reads alert events only", () => {
    expect(alertFromEvent({ kind: "alert.opened", data: alert(3) })?.id).toBe(3);
    expect(alertFromEvent({ kind: "task.started", data: alert(3) })).toBeNull();
    expect(alertFromEvent({ kind: "alert.opened" })).toBeNull();
  });
});
