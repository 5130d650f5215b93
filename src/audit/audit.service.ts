import type { Insertable, Kysely } from "kysely";
import { monotonicFactory } from "ulidx";
import type { AuditRow, DB } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError } from "../shared/errors.ts";
import type { ActorNames } from "../shared/principal.ts";
import { actorRef, auditJson, builtInActorName, decodeCursor, encodeCursor, programOfChange, targetOf } from "./audit.rules.ts";
import type { AuditQuery } from "./audit.schemas.ts";
import { actorNames, listAudit } from "./audit.sql.ts";

const ulid = monotonicFactory();
/** `aud_` + a ULID: time-sortable, like every other id. */
const newAuditId = () => `aud_${ulid().toLowerCase()}`;

/**
 * The audit log: who changed what, when, and the resource before and after. The unit of work
 * calls `record` inside the change's own transaction once the work succeeded, so the change and
 * its row commit together; a refusal or a replayed answer rolls back or never writes one.
 */
export class AuditService {
  constructor(private readonly deps: { db: Kysely<DB>; clock: Clock }) {}

  /**
   * The row of a change that came through an API route (internal work has no route: not
   * recorded); the unit of work writes it in the change's transaction.
   */
  record = (ctx: MutationContext, body: unknown): Insertable<DB["audit_log"]> | null => {
    if (!ctx.route) return null;
    const programId = programOfChange(ctx.scope, ctx.route.params, body);
    if (!programId) return null;
    return {
      id: newAuditId(),
      program_id: programId,
      actor: ctx.actor,
      action: ctx.route.action,
      summary: ctx.route.summary,
      target_id: targetOf(ctx.route.params, body),
      request_id: ctx.requestId,
      before: auditJson(ctx.audit?.before),
      after: auditJson(body),
      created_at: this.deps.clock.now(),
    };
  };

  /**
   * Readable names of actors as stored on any row (ledger, versions, audit): staff by name (or
   * email), keys by name, built-in actors by what they are. Read-time, so stored ids stay stable.
   */
  readonly names: ActorNames = async (programId, actors) => {
    const unique = [...new Set(actors)];
    const refs = unique.map((actor) => ({ actor, ref: actorRef(actor) }));
    const ids = (kind: "staff" | "key") => [...new Set(refs.flatMap(({ ref }) => (ref?.kind === kind ? [ref.id] : [])))];
    const found = await actorNames(this.deps.db, programId, ids("staff"), ids("key"));
    const names = new Map<string, string>();
    for (const { actor, ref } of refs) {
      const name = (ref && found.get(`${ref.kind}:${ref.id}`)) ?? builtInActorName(actor);
      if (name) names.set(actor, name);
    }
    return names;
  };

  /** A page of the programme's audit log, newest first, with readable actor names. */
  async list(programId: string, query: AuditQuery) {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null) {
      throw new DomainError("validation_error", "Invalid cursor: use nextCursor from the previous page", {
        issues: [{ path: "cursor", message: "not a cursor this list gave", code: "custom" }],
      });
    }
    const rows = await listAudit(this.deps.db, programId, {
      ...(query.actor !== undefined && { actor: query.actor }),
      ...(query.action !== undefined && { action: query.action }),
      ...(query.targetId !== undefined && { targetId: query.targetId }),
      ...(query.from !== undefined && { from: new Date(query.from) }),
      ...(query.to !== undefined && { to: new Date(query.to) }),
      ...(after && { after }),
      limit: query.limit,
    });
    const page = rows.slice(0, query.limit);
    const names = await this.names(
      programId,
      page.map((r) => r.actor),
    );
    const last = page.at(-1);
    return {
      data: page.map((r) => auditView(r, names.get(r.actor) ?? null)),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
    };
  }
}

const auditView = (row: AuditRow, actorName: string | null) => ({
  id: row.id,
  actor: row.actor,
  actorName,
  action: row.action,
  summary: row.summary,
  targetId: row.target_id,
  before: row.before ?? null,
  after: row.after ?? null,
  requestId: row.request_id,
  at: row.created_at.toISOString(),
});
