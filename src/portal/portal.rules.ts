import { randomInt, timingSafeEqual } from "node:crypto";
import type { LiveRule } from "../earning/earning.types.ts";
import type { MailMessage } from "../shared/mailer.ts";
import type { KeyedDigest } from "../shared/server-key.ts";

/**
 * Member sign-in by a one-time code, with no database: the code, its hash and check, the limits,
 * and the email that carries it.
 */

/** How long a sign-in code works. */
export const CODE_TTL_MS = 10 * 60_000;
/** Tries per code (wrong ones and the right one); then only a new code helps. */
export const MAX_CODE_ATTEMPTS = 5;
/**
 * Wrong tries one member may make in 24 hours, across all their codes: without it a guesser asking
 * for a new code whenever one runs out of tries gets 25 guesses an hour, every hour.
 */
export const MAX_FAILED_TRIES_PER_DAY = 15;
/** Codes sent to one member per hour at most: more requests are answered alike but send nothing. */
export const CODES_PER_HOUR = 5;
/** How long a member stays signed in. */
export const MEMBER_SESSION_MS = 30 * 24 * 60 * 60_000;

/** Six digits, uniform, from the CSPRNG. */
export function newLoginCode(random: (min: number, max: number) => number = randomInt): string {
  return String(random(0, 1_000_000)).padStart(6, "0");
}

/**
 * Codes are kept as an HMAC under the server's secret key (never in the database) of the code's
 * row id and the code: a plain hash of six digits is undone by trying all million, in
 * milliseconds, by anyone who can read the table; the keyed hash needs the key as well. The row
 * id keeps equal codes from hashing alike.
 */
export const hashLoginCode = (digest: KeyedDigest, codeId: string, code: string): string =>
  digest("login-code", `${codeId}:${code}`);

/** Whether `code` (as typed: spaces and dashes ignored) is the one stored, compared in constant time. */
export function loginCodeMatches(digest: KeyedDigest, codeId: string, code: string, storedHash: string): boolean {
  const typed = Buffer.from(hashLoginCode(digest, codeId, code.replace(/[\s-]/g, "")), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return typed.length === stored.length && timingSafeEqual(typed, stored);
}

export type CodeMailKind = "welcome" | "already_member" | "sign_in";

/** The email carrying a code: the code in the subject too, so it can be read from a notification. */
export function codeMail(to: string, programName: string, code: string, kind: CodeMailKind): MailMessage {
  const opening = {
    welcome: `Welcome to ${programName}! Your membership is ready.`,
    already_member: `You asked to join ${programName}, and you are already a member: no need to join again.`,
    sign_in: `Here is your code to sign in to ${programName}.`,
  }[kind];
  const minutes = CODE_TTL_MS / 60_000;
  const text = [
    opening,
    "",
    `Your sign-in code: ${code}`,
    "",
    `It works once, for ${minutes} minutes. If you did not ask for it, ignore this email: nobody can sign in without the code.`,
  ].join("\n");
  const html = [
    `<p>${escapeHtml(opening)}</p>`,
    `<p>Your sign-in code:</p><p style="font-size:28px;letter-spacing:6px;font-family:monospace"><strong>${code}</strong></p>`,
    `<p>It works once, for ${minutes} minutes. If you did not ask for it, ignore this email: nobody can sign in without the code.</p>`,
  ].join("\n");
  return { to, subject: `${code} is your ${programName} sign-in code`, text, html };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * How points are earned, for the landing page: the rules any member earns by now (standing rules,
 * and rules of active campaigns running now with no audience), each in its own words.
 */
export function earningLines(rules: LiveRule[], at: Date): { name: string; description: string | null; trigger: string }[] {
  return rules
    .filter((r) => {
      const c = r.campaign;
      if (!c) return true;
      return c.audience.length === 0 && (!c.startsAt || c.startsAt <= at) && (!c.endsAt || c.endsAt > at);
    })
    .sort((a, b) => b.definition.priority - a.definition.priority || a.name.localeCompare(b.name))
    .map((r) => ({ name: r.name, description: r.definition.description ?? null, trigger: r.definition.trigger }));
}

/**
 * A member as the member sees themselves: without the business's own facts about them (free-form
 * `attributes` such as segments or notes, and the external id of its systems).
 */
export function ownView<T extends { attributes?: unknown; externalId?: unknown }>(
  member: T,
): Omit<T, "attributes" | "externalId"> {
  const { attributes: _attributes, externalId: _externalId, ...own } = member;
  return own;
}
