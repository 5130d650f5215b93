import type { ApiKeyScope, StaffRole } from "../db/schema.ts";

/** Who a /v1 request is from: an API key, or a staff session acting with its role's scope. */
export interface Principal {
  /** The API key's id, or `staff:<id>` for a staff session. */
  keyId: string;
  scope: ApiKeyScope;
  programId: string | null;
  /** Set for a staff session: what the staff member may do beyond the scope's routes. */
  role?: StaffRole;
}

/** A signed-in member, as the `sb_member` cookie names them. Every /v1/me route acts on this member only. */
export interface MemberSession {
  memberId: string;
  programId: string;
  csrfToken: string;
  expiresAt: Date;
}
