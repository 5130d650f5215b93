import type { ApiKeyScope, StaffRole } from "../db/schema.ts";

/** Who a /v1 request is from: an API key, or a staff session acting with its role's scope. */
export interface Principal {
  /** The API key's id, or `staff:<id>` for a staff session. */
  keyId: string;
  scope: ApiKeyScope;
  programId: string | null;
  /** Set for a staff session: what the staff member may do beyond the scope's routes. */
  role?: StaffRole;
  /** Set for a staff session opened for a store (a till): the default store of what it records. */
  storeId?: string | null;
}

/** A signed-in member, as the `sb_member` cookie names them. Every /v1/me route acts on this member only. */
export interface MemberSession {
  memberId: string;
  programId: string;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * The actor a principal's changes are recorded under: `staff:<id>` for a staff session (the till's
 * cashier, the console's manager), `key:<id>` for an API key. Stored ids stay stable; names are
 * looked up when read (ActorNames), so a renamed cashier shows under the new name.
 */
export const actorOf = (principal: Principal): string => (principal.role ? principal.keyId : `key:${principal.keyId}`);

/**
 * Readable names of actors in one programme: a staff member's name (or email), an API key's name,
 * the built-in ones ("System" ...). Actors it cannot name are left out of the map.
 */
export type ActorNames = (programId: string, actors: string[]) => Promise<Map<string, string>>;
