import { describe, expect, it } from "vitest";
import { scheduleInput } from "@/server/schedules/inputs";
import {
  emptyFormValues,
  formValuesOf,
  fromLocalInput,
  previewInputOf,
  type ScheduleDetail,
  scheduleInputOf,
  toLocalInput,
  updateInputOf,
} from "./form-values";

const detail: ScheduleDetail = {
  id: "00000000-0000-4000-8000-000000000001",
  name: "nightly",
  cron: null,
  everyS: 90,
  timezone: "Europe/Paris",
  kind: "workflow",
  task: null,
  workflow: scheduleInput.parse({
    name: "n",
    everyS: 1,
    workflow: { name: "run", tasks: [{ key: "a", name: "a" }] },
  }).workflow,
  overlap: "allow",
  catchup: "all",
  catchupWindowS: 600,
  startAt: "2030-01-02T03:04:05.000Z",
  endAt: null,
  paused: true,
  nextFireAt: null,
  lastFireAt: null,
  bufferedFireAt: null,
  source: "api",
  createdBy: null,
  createdAt: "2030-01-01T00:00:00.000Z",
  updatedAt: "2030-01-01T00:00:00.000Z",
  upcoming: [],
  recentFires: [],
  canManage: true,
};

describe("the schedule form's values", () => {
  it("a new form sends what the server accepts", () => {
    const built = scheduleInputOf({ ...emptyFormValues("UTC"), name: "weekday" });
    expect(built.ok).toBe(true);
    if (built.ok) expect(scheduleInput.safeParse(built.input).success).toBe(true);
  });

  it("an edited schedule round-trips through the form", () => {
    const built = scheduleInputOf(formValuesOf(detail));
    expect(built.ok && built.input).toMatchObject({
      name: "nightly",
      everyS: 90,
      timezone: "Europe/Paris",
      workflow: detail.workflow,
      overlap: "allow",
      catchup: "all",
      catchupWindowS: 600,
      startAt: "2030-01-02T03:04:05.000Z",
      paused: true,
    });
    if (!built.ok) return;
    // An update clears an emptied end date instead of leaving it.
    expect(updateInputOf(detail.id, built.input)).toMatchObject({ id: detail.id, endAt: null });
  });

  it("refuses a spec that is not JSON before asking the server", () => {
    const built = scheduleInputOf({ ...emptyFormValues("UTC"), spec: "{name:" });
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.fields.spec?.[0]).toMatch(/^not valid JSON/);
  });

  it("sends a number that is not one as text, so the server names the field", () => {
    const built = scheduleInputOf({ ...emptyFormValues("UTC"), timing: "every", everyS: "1.5" });
    expect(built.ok && built.input.everyS).toBe("1.5");
  });

  it("converts datetime-local values both ways in the browser's zone", () => {
    expect(fromLocalInput(toLocalInput("2030-06-01T12:30:00.000Z"))).toBe(
      "2030-06-01T12:30:00.000Z",
    );
    expect(fromLocalInput("not a date")).toBeNull();
  });

  it("previews a cron or an interval, nothing while blank", () => {
    const values = emptyFormValues("Asia/Tokyo");
    expect(previewInputOf(values)).toEqual({
      cron: "0 9 * * 1-5",
      timezone: "Asia/Tokyo",
      count: 5,
    });
    expect(previewInputOf({ ...values, cron: " " })).toBeNull();
    expect(previewInputOf({ ...values, timing: "every", everyS: "30" })).toMatchObject({
      everyS: 30,
    });
  });
});
