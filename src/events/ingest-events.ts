import type { LiveRule } from "../earning/earning.types.ts";
import type { DomainError } from "../shared/errors.ts";
import { type EventAnswer, refusalAnswer, unansweredAnswer } from "./answers.ts";
import { dryRunEvents, type EarnRunDeps, writeEvents } from "./earn-runs.ts";
import { type EventProgram, findStoredEvents, type StoredEvent } from "./events.sql.ts";
import { answerRepeat, answerStored, parseEvents } from "./ingest.ts";
import { resolveMembers } from "./member-resolution.ts";

export interface IngestOptions {
  actor: string;
  requestId: string;
  dryRun: boolean;
  asOf: Date | null;
  /** Sent by the system (the jobs), which may use its own id prefixes. */
  system?: boolean;
}

export interface IngestDeps extends EarnRunDeps {
  /** The rules in force at any time: each event is judged by those in force when it occurred. */
  rulesFor: (program: EventProgram) => Promise<(at: Date) => LiveRule[]>;
}

/**
 * One attempt at a request's events: parse, answer replays, resolve members, then the write path
 * (one transaction) or the dry run; repeated ids replay the first's answer.
 *
 * Only a retry (`lookFirst`) or a dry run looks for stored events first: otherwise the write
 * inserts each event under its id and, if one is already there (a replay), rolls back, and the
 * next attempt answers it from storage. The usual new event so costs no extra read.
 */
export async function ingestOnce(
  deps: IngestDeps,
  program: EventProgram,
  raw: unknown[],
  options: IngestOptions,
  lookFirst: boolean,
): Promise<EventAnswer[]> {
  const now = options.asOf ?? deps.clock.now();
  const answers: (EventAnswer | null)[] = raw.map(() => null);
  const refuse = (index: number, eventId: string | null, error: DomainError) => {
    answers[index] = refusalAnswer(eventId, error, options.requestId);
  };

  const parsed = parseEvents(raw, options.system ?? false);
  for (const [index, { eventId, error }] of parsed.refused) refuse(index, eventId, error);
  const ids = parsed.valid.map((v) => v.input.id);
  const stored = lookFirst || options.dryRun ? await findStoredEvents(deps.db, program.id, ids) : new Map<string, StoredEvent>();
  const { fresh, answers: replays } = answerStored(parsed.valid, stored, options.requestId);
  for (const [index, answer] of replays) answers[index] = answer;

  const events = await resolveMembers(deps.db, program, fresh, now, refuse);
  if (events.length > 0) {
    // Each event is judged by the rules in force when it occurred, on the write path and in dry
    // runs alike (so a dry run as of a past time, and a late-posted event, see the rules of then).
    const rulesAt = await deps.rulesFor(program);
    const ctx = { program, rulesAt, actor: options.actor, now, dryRun: options.dryRun, requestId: options.requestId };
    const results = options.dryRun
      ? await dryRunEvents(deps, ctx, events)
      : await deps.db.transaction().execute((trx) => writeEvents(deps, trx, ctx, events));
    for (const [index, answer] of results) answers[index] = answer;
  }
  for (const r of parsed.repeats) {
    const firstPrint = parsed.valid.find((v) => v.index === r.of)?.fingerprint;
    answers[r.index] = answerRepeat(r, answers[r.of] ?? null, firstPrint, options.requestId);
  }
  return answers.map((a) => a ?? unansweredAnswer(options.requestId));
}
