import type { ReactNode } from "react";

/**
 * What a page with nothing to show says instead: what would fill it and how. A region with a
 * heading, so a screen reader can jump to the guidance as to any other part of the page.
 */
export function EmptyState({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: ReactNode;
}) {
  return (
    <section
      aria-labelledby={`${id}-title`}
      data-testid={`empty-${id}`}
      className="flex flex-col gap-3 rounded-lg border border-dashed border-ink-muted/40 bg-surface-raised p-4"
    >
      <h2 id={`${id}-title`} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}
