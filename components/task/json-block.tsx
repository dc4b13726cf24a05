/** JSON, indented, as text (never markup): payloads and results come from anyone. */
export function JsonBlock({ value, testId }: { value: unknown; testId: string }) {
  return (
    <pre
      data-testid={testId}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard
      tabIndex={0}
      className="max-h-96 overflow-auto rounded border border-ink-muted/20 bg-surface p-3 font-mono text-xs"
    >
      {value === undefined ? "—" : JSON.stringify(value, null, 2)}
    </pre>
  );
}
