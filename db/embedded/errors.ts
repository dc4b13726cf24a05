/**
 * A failure of the embedded PostgreSQL that the user can act on. Its message is one line that
 * says what is wrong and what to do, so a launcher prints it alone, without a stack trace;
 * anything else thrown from here is unexpected.
 */
export class EmbeddedPostgresError extends Error {
  override readonly name: string = "EmbeddedPostgresError";
}

/** A PostgreSQL program that could not be started at all (spawn's 'error' event). */
export function cannotRun(file: string, asUser: boolean, error: Error): EmbeddedPostgresError {
  const code = (error as NodeJS.ErrnoException).code ?? error.message;
  return new EmbeddedPostgresError(
    `could not run ${file}${asUser ? ' as the "postgres" user' : ""} (${code}); reinstall with npm install, or set DATABASE_URL to use another PostgreSQL`,
    { cause: error },
  );
}

/**
 * The most telling line of PostgreSQL's output: its last FATAL, PANIC or ERROR (or a client
 * program's "error:"), else its last line.
 */
export function keyLogLine(tail: string): string {
  const lines = tail.split("\n").filter((line) => line.trim() !== "");
  const key = lines.findLast((line) => /\b(?:FATAL|PANIC|ERROR|error):/.test(line)) ?? lines.at(-1);
  if (key === undefined) return "no output";
  // "2026-01-01 12:00:00.000 UTC [123] FATAL:  ..." → "FATAL: ..."
  return key
    .replace(/^.*?\b(FATAL|PANIC|ERROR|LOG):/, "$1:")
    .replace(/\s+/g, " ")
    .trim();
}
