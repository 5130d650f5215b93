/**
 * The audit log's pure parts: which programme and target a change is recorded under, what of its
 * answer is kept (secrets never), and the keyset cursor of the newest-first pages.
 */

import { SECRET_FIELDS } from "../idempotency/secrets.rules.ts";
import { parseApiInstant } from "../shared/api-years.ts";

export const REDACTED = "[redacted]";

/** The value as JSON text, with secrets replaced by "[redacted]" (dates as ISO strings); null for undefined. */
export function auditJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (key, v) => (SECRET_FIELDS.has(key) && v !== null && v !== undefined ? REDACTED : v));
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The id of what an answer created: its own `id`, else the first top-level object's (`{program: {id}}`). */
export function createdId(body: unknown): string | null {
  if (!isRecord(body)) return null;
  if (typeof body.id === "string") return body.id;
  for (const value of Object.values(body)) if (isRecord(value) && typeof value.id === "string") return value.id;
  return null;
}

/**
 * What a change acted on: the main (first) path id, else what it created. A `programId` in the
 * path names the programme itself (operator routes), which the row carries on its own.
 */
export function targetOf(params: Record<string, string>, body: unknown): string | null {
  const ids = Object.entries(params).filter(([name]) => name !== "programId");
  return ids[0]?.[1] ?? createdId(body);
}

/**
 * The programme a change is recorded under: the caller's; for operator (root) calls, the one it
 * acted on (the path's programId, or the programme it created); null: not recorded.
 */
export function programOfChange(scope: string, params: Record<string, string>, body: unknown): string | null {
  if (scope !== "-") return scope;
  if (params.programId) return params.programId;
  const program = isRecord(body) ? body.program : undefined;
  return isRecord(program) && typeof program.id === "string" ? program.id : null;
}

export interface AuditCursor {
  at: Date;
  id: string;
}

export const encodeCursor = (c: AuditCursor): string => Buffer.from(`${c.at.toISOString()}|${c.id}`).toString("base64url");

/** The cursor a page ended on, or null if it is not one of ours. */
export function decodeCursor(cursor: string): AuditCursor | null {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const [iso, id, ...rest] = text.split("|");
  if (!iso || !id || rest.length > 0 || !id.startsWith("aud_")) return null;
  const at = parseApiInstant(iso);
  return at && { at, id };
}

/**
 * `staff:stf_...` -> the staff id; `key:key_...` -> the API key id; else null. Events sent from a
 * staff session were recorded as `key:staff:stf_...` before the actor was fixed: the staff member.
 */
export function actorRef(actor: string): { kind: "staff" | "key"; id: string } | null {
  const [kind, ...rest] = actor.split(":");
  if (kind === "key" && rest[0] === "staff" && rest[1]) return { kind: "staff", id: rest.slice(1).join(":") };
  const id = rest.join(":");
  if ((kind === "staff" || kind === "key") && id) return { kind, id };
  return null;
}

/** Actors that are no staff account or stored key: the server's own work, the portal, the CLI. */
const BUILT_IN_ACTORS: Record<string, string> = {
  "key:root:env": "Operator key (STAMPBOOK_ROOT_KEY)",
  cli: "Command line (stampbook)",
  "system:jobs": "System (due work)",
  "system:enrolment": "System (sign-up bonus)",
  "system:tiers": "System (tier review)",
  "system:demo": "Demo data",
  "portal:enrolment": "Member portal (sign-up)",
};

/** The name of a built-in actor, a member acting in the portal, or other server work; null for staff and keys. */
export function builtInActorName(actor: string): string | null {
  const known = BUILT_IN_ACTORS[actor];
  if (known) return known;
  if (actor.startsWith("member:")) return "The member (portal)";
  if (actor.startsWith("system:")) return "System";
  return null;
}
