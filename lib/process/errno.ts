/** The `code` of a Node system error (ENOENT, ESRCH, EADDRINUSE, …), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
