import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";

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
  const parsed = credentialsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: not a valid credentials file`);
  return parsed.data;
}

/** Written to a temporary file and renamed, so a crash never leaves a half-written file. */
export async function writeCredentials(file: string, credentials: Credentials): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}
