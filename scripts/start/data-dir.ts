import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { StartError } from "./start-error";

/** Makes the data directory, or says in one line why it cannot be used. */
export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StartError(
      `cannot create or write the data directory ${dataDir} (${code}); set TM_DATA_DIR to a folder you can write, or fix its permissions`,
      { cause: error },
    );
  }
}
