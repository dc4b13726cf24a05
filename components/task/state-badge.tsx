import type { TaskState } from "@/lib/board/types";

/**
 * Each state by icon, word and colour together, so none carries the meaning alone. Colours
 * are -700 on light and -300 on dark surfaces: both pass 4.5:1 contrast.
 */
export const STATE_LOOK: Record<TaskState, { icon: string; label: string; tone: string }> = {
  blocked: { icon: "◇", label: "Blocked", tone: "text-slate-700 dark:text-slate-300" },
  queued: { icon: "○", label: "Queued", tone: "text-blue-700 dark:text-blue-300" },
  running: { icon: "▶", label: "Running", tone: "text-amber-800 dark:text-amber-300" },
  succeeded: { icon: "✓", label: "Succeeded", tone: "text-emerald-700 dark:text-emerald-300" },
  failed: { icon: "✕", label: "Failed", tone: "text-red-700 dark:text-red-300" },
  cancelled: { icon: "⊘", label: "Cancelled", tone: "text-zinc-700 dark:text-zinc-300" },
};

export function StateBadge({ state, className = "" }: { state: TaskState; className?: string }) {
  const look = STATE_LOOK[state];
  return (
    <span className={`inline-flex items-center gap-1 font-medium ${look.tone} ${className}`}>
      <span aria-hidden="true">{look.icon}</span>
      {look.label}
    </span>
  );
}
