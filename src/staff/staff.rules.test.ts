import { describe, expect, it } from "vitest";
import { afterFailure, hashPassword, isLocked, needsRehash, newToken, verifyPassword } from "./staff.rules.ts";

describe("passwords", () => {
  it("verifies the password it hashed and nothing else", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("reads the parameters stored with a hash, and says when they are weaker than today's", async () => {
    const weak = await hashPassword("pw", { N: 2 ** 10, r: 8, p: 1 });
    expect(await verifyPassword("pw", weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword("pw"))).toBe(false);
  });

  it("treats composed and decomposed accents as the same password", async () => {
    const stored = await hashPassword("caf\u00e9");
    expect(await verifyPassword("cafe\u0301", stored)).toBe(true);
  });

  it("refuses hashes it cannot read", async () => {
    for (const bad of ["", "bcrypt$x", "scrypt$1$2$3", "plain"]) expect(await verifyPassword("pw", bad)).toBe(false);
  });
});

describe("lockout", () => {
  const at = new Date("2026-11-23T10:00:00Z");
  it.each([
    [0, 1, null],
    [3, 4, null],
    [4, 5, "2026-11-23T10:15:00.000Z"],
    [5, 6, "2026-11-23T10:30:00.000Z"],
    [6, 7, "2026-11-23T11:00:00.000Z"],
    [20, 21, "2026-11-24T10:00:00.000Z"],
  ])("after %i failures, one more makes %i and locks until %s", (before, count, until) => {
    const next = afterFailure(before, at);
    expect(next.failures).toBe(count);
    expect(next.lockedUntil?.toISOString() ?? null).toBe(until);
  });

  it("is locked only before the lock ends", () => {
    expect(isLocked(new Date("2026-11-23T10:15:00Z"), at)).toBe(true);
    expect(isLocked(at, at)).toBe(false);
    expect(isLocked(null, at)).toBe(false);
  });
});

describe("tokens", () => {
  it("are 256 random bits", () => {
    const tokens = new Set(Array.from({ length: 100 }, newToken));
    expect(tokens.size).toBe(100);
    for (const t of tokens) expect(Buffer.from(t, "base64url")).toHaveLength(32);
  });
});
