import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Staff credentials, with no database: password hashes, session and CSRF tokens, and the lockout
 * after repeated failures.
 *
 * Passwords are hashed with scrypt (RFC 7914), which is memory-hard and built into Node's crypto
 * (OpenSSL): no native addon or WebAssembly package to install. N = 2^15, r = 8, p = 1 uses 32 MiB
 * per hash, the interactive-login cost OWASP lists for scrypt. The parameters are stored with each
 * hash, so they can be raised later without locking anyone out.
 */

const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r * params.p };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url): everything needed to check a password later. */
export async function hashPassword(password: string, params = PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Whether `password` matches `stored`, in constant time; false for a hash it cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(password, Buffer.from(salt, "base64url"), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether a stored hash was made with weaker parameters than today's (rehash at the next sign-in). */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split("$");
  return scheme !== "scrypt" || Number(n) < PARAMS.N || Number(r) < PARAMS.r || Number(p) < PARAMS.p;
}

/** A session or CSRF token: 256 random bits. Sessions are stored by their SHA-256, like API keys. */
export const newToken = (): string => randomBytes(32).toString("base64url");

export interface LockoutPolicy {
  /** Failures in a row that lock the account. */
  maxFailures: number;
  /** How long the first lock lasts; each further failure while locked-out doubles it, up to maxLockMs. */
  lockMs: number;
  maxLockMs: number;
}

export const LOCKOUT: LockoutPolicy = { maxFailures: 5, lockMs: 15 * 60_000, maxLockMs: 24 * 60 * 60_000 };

/**
 * After a failed sign-in: the failures in a row so far and, from `maxFailures` on, until when the
 * account is locked (each failure past the limit doubles the lock, so guessing stays slow).
 */
export function afterFailure(
  failures: number,
  at: Date,
  policy: LockoutPolicy = LOCKOUT,
): { failures: number; lockedUntil: Date | null } {
  const count = failures + 1;
  if (count < policy.maxFailures) return { failures: count, lockedUntil: null };
  const ms = Math.min(policy.maxLockMs, policy.lockMs * 2 ** (count - policy.maxFailures));
  return { failures: count, lockedUntil: new Date(at.getTime() + ms) };
}

export const isLocked = (lockedUntil: Date | null, at: Date): boolean => lockedUntil !== null && lockedUntil > at;
