/**
 * A start-up failure the user can act on, explained in one line that says what is wrong and
 * what to do: the launcher prints its message alone (scripts/start/failure.ts).
 */
export class StartError extends Error {
  override readonly name = "StartError";
}
