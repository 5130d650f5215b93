/**
 * What of an answer may be kept: a secret (an API key's, a password, a session or CSRF token) is
 * shown once, to its caller, and never stored in the clear; not in a stored answer, not in the
 * audit log.
 */

/** Answer fields that hold a secret, at any depth. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(["secret", "password", "passwordHash", "token", "csrfToken"]);

/**
 * The answer as it may be stored for replaying to a retry: every secret field (at any depth) is
 * null, and the object that held it says `secretShownOnce: true`, so a replay tells why the secret
 * is missing: it was in the first answer, and Stampbook keeps only its hash.
 */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  let heldSecret = false;
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const secret = SECRET_FIELDS.has(key) && field !== null && field !== undefined;
    heldSecret ||= secret;
    kept[key] = secret ? null : withoutSecrets(field);
  }
  return heldSecret ? { ...kept, secretShownOnce: true } : kept;
}

/**
 * A request body as it may be fingerprinted: every secret field's text (a password, at any depth)
 * replaced by `digest` of it, a keyed hash. The fingerprint is stored beside the answer; a plain
 * hash of a body holding a password would be a fast, unsalted hash of that password. The same
 * password still gives the same fingerprint (a retry replays), another one another (409).
 */
export function withSecretsDigested(value: unknown, digest: (secret: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => withSecretsDigested(v, digest));
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      SECRET_FIELDS.has(key) && typeof field === "string" ? digest(field) : withSecretsDigested(field, digest),
    ]),
  );
}
