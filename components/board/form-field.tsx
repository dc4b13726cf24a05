import type { ReactNode } from "react";

/**
 * A labelled field with its errors right below it, tied to the control by
 * aria-describedby so a screen reader reads them with it.
 */
export function FormField({
  id,
  label,
  hint,
  errors,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  errors?: string[];
  children: (props: {
    id: string;
    "aria-invalid": boolean;
    "aria-describedby": string | undefined;
  }) => ReactNode;
}) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [hint ? hintId : null, errors?.length ? errorId : null].filter(Boolean);
  return (
    <div className="flex flex-col gap-1 text-sm">
      <label htmlFor={id} className="font-medium">
        {label}
      </label>
      {children({
        id,
        "aria-invalid": Boolean(errors?.length),
        "aria-describedby": describedBy.length ? describedBy.join(" ") : undefined,
      })}
      {hint && (
        <p id={hintId} className="text-xs text-ink-muted">
          {hint}
        </p>
      )}
      {errors && errors.length > 0 && (
        <p id={errorId} data-testid={`${id}-error`} className="text-xs text-danger">
          {errors.join(" ")}
        </p>
      )}
    </div>
  );
}

export const fieldClass =
  "rounded border border-ink-muted/40 bg-surface-raised px-2 py-1 font-mono text-sm aria-invalid:border-danger";
