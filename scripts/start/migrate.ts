import { migrateDatabase } from "@/db/migrate";
import { StartError } from "./start-error";

/** Refusals that mean "wrong server, URL or credentials", not a bug: node and PostgreSQL codes. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "28P01", // invalid_password
  "28000", // invalid_authorization_specification (pg_hba)
  "3D000", // invalid_catalog_name: no such database
]);

/**
 * Applies the migrations; a DATABASE_URL that leads nowhere usable fails in one line. The URL
 * itself is never printed: it holds the password.
 */
export async function migrateOrExplain(url: string, external: boolean): Promise<void> {
  try {
    await migrateDatabase(url);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!external || typeof code !== "string" || !UNREACHABLE.has(code)) throw error;
    throw new StartError(
      `cannot use the database DATABASE_URL names (${(error as Error).message}); check that PostgreSQL runs there and that the URL is right, or unset DATABASE_URL for the embedded one`,
      { cause: error },
    );
  }
}
