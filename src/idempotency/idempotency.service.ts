import { createHash } from "node:crypto";
import { type Kysely, sql, type Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError } from "../shared/errors.ts";

/** Who is asking and under which idempotency key; built by the HTTP layer for every mutation. */
export interface MutationContext {
  /** The programme id, or "-" for operator (root) calls. */
  scope: string;
  key: string | null;
  /** A digest of method, path and body: the same key with another fingerprint is a conflict. */
  fingerprint: string;
  requestId: string;
  actor: string;
}

export interface MutationResult {
  status: number;
  body: unknown;
  replayed: boolean;
}

export type ErrorBody = { error: { code: string; message: string; requestId: string; details?: unknown } };

export function errorBody(error: DomainError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** A stable JSON rendering (sorted keys), so the same body always gets the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${canonical(body)}`)
    .digest("base64url");
}

const RETRYABLE = new Set(["40001", "40P01"]); // serialization failure, deadlock detected
const MAX_ATTEMPTS = 8;

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE.has(code);
}

/**
 * Runs one mutation in one transaction. With an idempotency key, the key is claimed in the same
 * transaction as the work, so the stored answer and the ledger change commit together or not at
 * all: a crash can lose neither one without the other, and a concurrent retry with the same key
 * waits on the claim and then replays. Expected failures (domain errors) are stored too, after
 * rolling the work back to a savepoint, so a retry can never change the outcome.
 */
export class UnitOfWork {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {}

  async run(
    ctx: MutationContext,
    successStatus: number,
    work: (trx: Transaction<DB>) => Promise<unknown>,
  ): Promise<MutationResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => this.#attempt(trx, ctx, successStatus, work));
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  async #attempt(
    trx: Transaction<DB>,
    ctx: MutationContext,
    successStatus: number,
    work: (trx: Transaction<DB>) => Promise<unknown>,
  ): Promise<MutationResult> {
    if (ctx.key === null) return { status: successStatus, body: await work(trx), replayed: false };
    const claimed = await trx
      .insertInto("idempotency_keys")
      .values({
        scope: ctx.scope,
        key: ctx.key,
        fingerprint: ctx.fingerprint,
        status_code: 0,
        response: "null",
        created_at: this.clock.now(),
      })
      .onConflict((oc) => oc.columns(["scope", "key"]).doNothing())
      .returning("key")
      .executeTakeFirst();
    if (!claimed) {
      const stored = await trx
        .selectFrom("idempotency_keys")
        .select(["fingerprint", "status_code", "response"])
        .where("scope", "=", ctx.scope)
        .where("key", "=", ctx.key)
        .executeTakeFirstOrThrow();
      if (stored.fingerprint !== ctx.fingerprint) {
        throw new DomainError("idempotency_conflict", `Idempotency-Key ${ctx.key} was already used with a different request`);
      }
      return { status: stored.status_code, body: stored.response, replayed: true };
    }
    await sql`savepoint idempotent_work`.execute(trx);
    let status = successStatus;
    let body: unknown;
    try {
      body = await work(trx);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await sql`rollback to savepoint idempotent_work`.execute(trx);
      status = error.status;
      body = errorBody(error, ctx.requestId);
    }
    await trx
      .updateTable("idempotency_keys")
      .set({ status_code: status, response: JSON.stringify(body) })
      .where("scope", "=", ctx.scope)
      .where("key", "=", ctx.key)
      .execute();
    return { status, body, replayed: false };
  }
}
