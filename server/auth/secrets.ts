import { createHash, randomBytes } from "node:crypto";

/**
 * A new random secret: 32 bytes (256 bits) of entropy, base64url, with a short kind prefix so a
 * leaked string is recognisable (secret scanners, logs).
 */
export function generateSecret(kind: "tm" | "tms"): string {
  return `${kind}_${randomBytes(32).toString("base64url")}`;
}

/** Secrets are high-entropy, so one SHA-256 is enough; it keeps lookups to one index probe. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
