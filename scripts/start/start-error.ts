/**
 * A start-up failure the user can act on, explained in one line: the launcher prints its
 * message alone, without a stack trace. Anything else is a bug and keeps its stack.
 */
export class StartError extends Error {
  override readonly name = "StartError";
}
