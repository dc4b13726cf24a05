import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";
import { EmbeddedPostgresError } from "./errors";

/**
 * What a persistent cluster needs to be reached again after a restart: the superuser's
 * password (chosen at initdb) and the port it last listened on. Kept next to the cluster in
 * `pg.json`, readable only by its owner since it holds a password.
 */
const credentialsSchema = z.object({
  user: z.string().min(1),
  password: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

export type Credentials = z.infer<typeof credentialsSchema>;

export function newCredentials(port: number): Credentials {
  // base64url: no characters that need escaping in a connection URL or a password file.
  return { user: "postgres", password: randomBytes(24).toString("base64url"), port };
}

export async function readCredentials(file: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = credentialsSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    throw new EmbeddedPostgresError(
      `${file} is not a valid credentials file; restore it, or remove it and the pg folder beside it to start with an empty database`,
    );
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Not JSON is as invalid as the wrong JSON: the same advice applies.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Written to a temporary file and renamed, so a crash never leaves a half-written file. */
export async function writeCredentials(file: string, credentials: Credentials): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}
