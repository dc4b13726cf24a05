import { createWriteStream, renameSync, statSync, type WriteStream } from "node:fs";

/**
 * Where PostgreSQL's own output goes: never the launcher's stdout, which is for the user.
 * A file when one is given, and always the last lines in memory so a failed start can say
 * why without sending anyone to the file.
 */
export interface LogSink {
  write(text: string): void;
  /** The last lines written, for error messages. */
  tail(): string;
  close(): Promise<void>;
  readonly file: string | undefined;
}

const TAIL_LINES = 20;
// A long-lived data directory must not fill the disk with logs: one old generation is kept.
const ROTATE_ABOVE_BYTES = 10 * 1024 * 1024;

export function createLogSink(file?: string): LogSink {
  if (file && sizeOf(file) > ROTATE_ABOVE_BYTES) renameSync(file, `${file}.1`);
  const stream: WriteStream | undefined = file
    ? createWriteStream(file, { flags: "a", mode: 0o600 })
    : undefined;
  let lines: string[] = [];
  return {
    file,
    write(text) {
      stream?.write(text);
      lines = [...lines, ...text.split("\n").filter((line) => line.trim() !== "")].slice(
        -TAIL_LINES,
      );
    },
    tail: () => lines.join("\n"),
    close: () =>
      new Promise((resolve) => {
        if (!stream || stream.closed) resolve();
        else stream.end(resolve);
      }),
  };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

/** The end of a one-line error message that sends the user to the whole log, if in a file. */
export function seeLog(log: LogSink): string {
  return log.file ? `; see ${log.file}` : "";
}
