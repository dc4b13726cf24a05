"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

/** Typing settles for this long before the URL (and the page's queries) change. */
export const TYPING_DELAY_MS = 300;

/**
 * A filter form whose only store is the URL (the board's and the runs list's): each change
 * pushes a history entry, so a link shares the view and the back button undoes a filter. The
 * fields show what is typed (`draft`) and follow the URL when it changes underneath them (back,
 * forward, a link): `rawSearch` is the current search string.
 */
export function useUrlFilters<F extends object>(
  filters: F,
  rawSearch: string,
  toSearch: (filters: F) => string,
) {
  const router = useRouter();
  const pathname = usePathname();
  const [draft, setDraft] = useState<F>(filters);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the URL, not each render
  useEffect(() => {
    clearTimeout(timer.current);
    setDraft(filtersRef.current);
  }, [rawSearch]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const navigate = (next: F) => {
    const search = toSearch(next);
    if (search !== toSearch(filtersRef.current)) {
      router.push(`${pathname}${search}`, { scroll: false });
    }
  };
  return {
    draft,
    /**
     * Applies `patch` to the draft, and to the URL after `delay` ms (0: at once). Values come
     * straight from fields ("" clears one); the page's parser drops what its API would refuse.
     */
    change(patch: Partial<Record<keyof F, string>>, delay: number) {
      const next = { ...draft, ...patch } as F;
      setDraft(next);
      clearTimeout(timer.current);
      if (delay === 0) navigate(next);
      else timer.current = setTimeout(() => navigate(next), delay);
    },
    /** Puts the draft in the URL now (the form's submit). */
    submit() {
      clearTimeout(timer.current);
      navigate(draft);
    },
  };
}
