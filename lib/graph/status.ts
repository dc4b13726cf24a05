import { STATE_ICON, STATE_LABEL, type TaskState } from "@/lib/tasks/states";

export interface StatusStyle {
  label: string;
  /** A glyph that differs in shape per state, so colour never carries the meaning alone. */
  icon: string;
  /** Border, fill and text together; text contrast ≥ 4.5:1 on the fill in both themes. */
  className: string;
}

/** How each task state looks in the graph and its legend. */
export const STATUS_STYLES: Record<TaskState, StatusStyle> = {
  blocked: {
    label: STATE_LABEL.blocked,
    icon: STATE_ICON.blocked,
    className:
      "border-slate-400 bg-slate-100 text-slate-800 dark:border-slate-500 dark:bg-slate-800 dark:text-slate-100",
  },
  waiting: {
    label: STATE_LABEL.waiting,
    icon: STATE_ICON.waiting,
    className:
      "border-fuchsia-500 bg-fuchsia-50 text-fuchsia-900 dark:border-fuchsia-400 dark:bg-fuchsia-950 dark:text-fuchsia-100",
  },
  queued: {
    label: STATE_LABEL.queued,
    icon: STATE_ICON.queued,
    className:
      "border-sky-600 bg-sky-50 text-sky-900 dark:border-sky-400 dark:bg-sky-950 dark:text-sky-100",
  },
  running: {
    label: STATE_LABEL.running,
    icon: STATE_ICON.running,
    className:
      "border-blue-700 bg-blue-100 text-blue-900 dark:border-blue-400 dark:bg-blue-950 dark:text-blue-100",
  },
  succeeded: {
    label: STATE_LABEL.succeeded,
    icon: STATE_ICON.succeeded,
    className:
      "border-emerald-700 bg-emerald-50 text-emerald-900 dark:border-emerald-400 dark:bg-emerald-950 dark:text-emerald-100",
  },
  failed: {
    label: STATE_LABEL.failed,
    icon: STATE_ICON.failed,
    className:
      "border-red-700 bg-red-50 text-red-900 dark:border-red-400 dark:bg-red-950 dark:text-red-100",
  },
  cancelled: {
    label: STATE_LABEL.cancelled,
    icon: STATE_ICON.cancelled,
    className:
      "border-amber-700 bg-amber-50 text-amber-900 dark:border-amber-400 dark:bg-amber-950 dark:text-amber-100",
  },
};
