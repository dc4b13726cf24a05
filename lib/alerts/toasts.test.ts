import { describe, expect, it } from "vitest";
import { keepNewest } from "./toasts";

const toasts = (...ids: number[]) => ids.map((id) => ({ id }));

describe("keepNewest", () => {
  it("keeps the newest, in arrival order", () => {
    expect(keepNewest(toasts(1, 2, 3, 4, 5), 3, null)).toEqual(toasts(3, 4, 5));
    expect(keepNewest(toasts(1, 2), 3, null)).toEqual(toasts(1, 2));
  });

  it("keeps the toast holding focus, however old, and drops an older one in its place", () => {
    expect(keepNewest(toasts(1, 2, 3, 4, 5), 3, 1)).toEqual(toasts(1, 4, 5));
    expect(keepNewest(toasts(1, 2, 3, 4, 5), 3, 4)).toEqual(toasts(3, 4, 5));
    expect(keepNewest(toasts(1, 2, 3, 4, 5), 1, 2)).toEqual(toasts(2));
  });

  it("keeps the newest when the focused toast is gone already", () => {
    expect(keepNewest(toasts(1, 2, 3, 4), 3, 9)).toEqual(toasts(2, 3, 4));
  });
});
