import { randomBytes } from "node:crypto";
import type { ChecklistMark } from "../db/schema.ts";

/** How long a printed setup link works. Each start prints a fresh one while setup is open. */
export const SETUP_TOKEN_MS = 24 * 60 * 60_000;

/** 192 random bits, like an API key: a fast hash is the right storage (see api-keys.rules.ts). */
export function generateSetupToken(): string {
  return `sb_setup_${randomBytes(24).toString("base64url")}`;
}

/**
 * Whether a server starting now prints a setup link: on a database with no programme (a first
 * start, before the demo is seeded), and on every later start until a setup link has been used
 * (the printed link may have been lost). An install set up before setup links existed has
 * programmes and no tokens: it prints none.
 */
export function setupIsOpen(facts: { anyProgram: boolean; tokensIssued: boolean; tokenUsed: boolean }): boolean {
  if (facts.tokenUsed) return false;
  return !facts.anyProgram || facts.tokensIssued;
}

export type TokenRefusal = "unknown" | "used" | "expired";

/** Why a setup token cannot be used now, or null when it can. */
export function tokenRefusal(
  token: { expiresAt: Date; usedAt: Date | null } | undefined,
  setupClosed: boolean,
  now: Date,
): TokenRefusal | null {
  if (!token) return "unknown";
  if (token.usedAt !== null || setupClosed) return "used";
  if (token.expiresAt.getTime() <= now.getTime()) return "expired";
  return null;
}

/** What a person reads for each refusal: what happened and what to do next. */
export const REFUSAL_MESSAGES: Record<TokenRefusal, string> = {
  unknown:
    "This setup link is not valid: copy the whole link the server printed at start, or create the programme with the operator key",
  used: "This setup link was already used: setup is done. Sign in to the console with the owner's email and password; further programmes need the operator key",
  expired: "This setup link has expired (links work for 24 hours): restart the server to print a new one",
};

/** The checklist a new programme opens on, in the order it is shown. */
export const CHECKLIST_ITEMS = ["earn_rule", "reward", "tiers", "staff", "portal_link", "till_link"] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

/** What the programme's data says about each step. */
export interface ChecklistFacts {
  activeRule: boolean;
  activeReward: boolean;
  tier: boolean;
  staffAccounts: number;
  memberSignedIn: boolean;
  marks: ReadonlySet<ChecklistMark>;
}

/**
 * Each step is done when the data shows it: an active earn rule, an active reward, a tier on the
 * ladder, a second staff account. The portal link counts as shared once a member has signed in to
 * the portal (or the owner copied or printed it); the till link once the point of sale was opened
 * by a signed-in staff member (it marks itself, nothing else records that).
 */
export function checklistOf(facts: ChecklistFacts) {
  const done: Record<ChecklistItem, boolean> = {
    earn_rule: facts.activeRule,
    reward: facts.activeReward,
    tiers: facts.tier,
    staff: facts.staffAccounts > 1,
    portal_link: facts.memberSignedIn || facts.marks.has("portal_link_shared"),
    till_link: facts.marks.has("till_opened"),
  };
  const items = CHECKLIST_ITEMS.map((id) => ({ id, done: done[id] }));
  const complete = items.every((i) => i.done);
  return { items, complete, dismissed: facts.marks.has("dismissed") };
}

/** The links of a programme, from the server's public base URL (no trailing slash). */
export function programLinks(base: string, programId: string) {
  const id = encodeURIComponent(programId);
  return {
    programId,
    consoleUrl: `${base}/admin?program=${id}`,
    portalUrl: `${base}/portal/${id}`,
    tillUrl: `${base}/pos?program=${id}`,
  };
}

/** The link the server prints: the token in the fragment, which browsers never send to a server or a Referer. */
export const setupLink = (base: string, token: string) => `${base}/admin/setup#token=${token}`;
