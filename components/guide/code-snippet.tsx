"use client";

import { useState } from "react";
import { useHydrated } from "@/lib/hooks/use-hydrated";

/**
 * A snippet to paste: selectable text in a scrollable block, with a copy button where the
 * browser offers a clipboard (it does not on plain http to another host; selecting still works).
 */
export function CodeSnippet({
  label,
  code,
  testId,
}: {
  label: string;
  code: string;
  testId: string;
}) {
  const hydrated = useHydrated();
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied("yes");
    } catch {
      // No clipboard permission (insecure origin): the text stays selectable.
      setCopied("failed");
    }
  };
  return (
    <figure className="flex min-w-0 flex-col gap-1">
      <figcaption className="flex items-center justify-between gap-2 text-sm">
        <span className="font-medium">{label}</span>
        <span className="flex items-center gap-2">
          <span aria-live="polite" className="text-xs text-ink-muted">
            {copied === "yes" ? "Copied" : copied === "failed" ? "Select the text to copy" : ""}
          </span>
          <button
            type="button"
            className="rounded border border-ink-muted/40 px-2 py-0.5 text-xs hover:bg-ink/5 disabled:opacity-60"
            disabled={!hydrated}
            onClick={() => void copy()}
            aria-label={`Copy: ${label}`}
          >
            Copy
          </button>
        </span>
      </figcaption>
      <pre
        data-testid={testId}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard
        tabIndex={0}
        className="max-h-80 overflow-auto rounded border border-ink-muted/20 bg-surface p-3 font-mono text-xs"
      >
        {code}
      </pre>
    </figure>
  );
}
