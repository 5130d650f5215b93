import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys are 192 random bits, so a fast hash is the right storage: no dictionary to guess
 * from, and lookups stay one indexed read. (Passwords, which people choose, get a slow hash.)
 */
export function generateSecret(scope: string): string {
  return `sb_${scope}_${randomBytes(24).toString("base64url")}`;
}

export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/** `sb_<scope>_` and six characters of the secret: safe to show, enough to tell keys apart. */
export const displayPrefix = (secret: string): string => secret.slice(0, secret.indexOf("_", 3) + 7);

export function secretsEqual(a: string, b: string): boolean {
  const ha = Buffer.from(hashSecret(a), "hex");
  const hb = Buffer.from(hashSecret(b), "hex");
  return timingSafeEqual(ha, hb);
}
