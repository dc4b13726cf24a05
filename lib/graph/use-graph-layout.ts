"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import type { LayoutInput, LayoutResult } from "./layout";
import { layoutKey } from "./layout";
import { cachedLayout, layoutOffThread } from "./layout-client";

export interface GraphLayoutState {
  /** The newest layout available: possibly for an older structure while a relayout runs. */
  layout: LayoutResult | undefined;
  /** The layout matches the current structure. */
  current: boolean;
  error: Error | undefined;
}

/**
 * The layout of `input` for `scope` (a workflow id), computed off the main thread and cached
 * per scope and structure. A change of state alone keeps the structure, so no relayout.
 */
export function useGraphLayout(scope: string, input: LayoutInput): GraphLayoutState {
  // `input` is rebuilt on every render; its structure key decides when to lay out again.
  const key = useMemo(() => `${scope}:${layoutKey(input)}`, [scope, input]);
  const [state, setState] = useState<{ key: string; layout: LayoutResult } | undefined>(() => {
    const hit = cachedLayout(key);
    return hit ? { key, layout: hit } : undefined;
  });
  const [error, setError] = useState<Error>();
  const current = state?.key === key;
  // The effect runs when the key says the structure changed, with the input of that render.
  const latestInput = useRef(input);
  latestInput.current = input;

  useEffect(() => {
    if (current) return;
    let cancelled = false;
    layoutOffThread(key, latestInput.current).then(
      (layout) => {
        if (!cancelled) setState({ key, layout });
      },
      (failure: unknown) => {
        if (!cancelled) setError(failure instanceof Error ? failure : new Error(String(failure)));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [key, current]);

  return { layout: state?.layout, current, error };
}
