import { fingerprint } from "../idempotency/idempotency.service.ts";
import { DomainError } from "../shared/errors.ts";
import { type EventAnswer, refusalAnswer } from "./answers.ts";
import { type EventInput, EventInputSchema, type EventResult } from "./events.schemas.ts";
import type { StoredEvent } from "./events.sql.ts";

/** Ids of events the system makes itself; clients may not take them. */
export const SYSTEM_ID = /^(signup|birthday):/;

/** An event that passed the schema, with the fingerprint its id is bound to. */
export interface ValidEvent {
  index: number;
  input: EventInput;
  fingerprint: string;
}

/** A later event of the request with the id of an earlier one: it replays that one's answer. */
export interface RepeatedEvent {
  index: number;
  of: number;
  fingerprint: string;
}

export interface ParsedBatch {
  /** The first event of each id, valid. */
  valid: ValidEvent[];
  repeats: RepeatedEvent[];
  /** Answers of events refused here, by index. */
  refused: Map<number, { eventId: string | null; error: DomainError }>;
}

/**
 * Validates each event of a request on its own, refuses ids the system keeps for itself (unless
 * the system sends them), and finds repeated ids: the first is processed, the rest replay it.
 */
export function parseEvents(raw: unknown[], system: boolean): ParsedBatch {
  const parsed: ParsedBatch = { valid: [], repeats: [], refused: new Map() };
  const firstOf = new Map<string, number>();
  raw.forEach((item, index) => {
    const result = EventInputSchema.safeParse(item);
    const id = typeof (item as { id?: unknown })?.id === "string" ? (item as { id: string }).id : null;
    if (!result.success) {
      const issue = result.error.issues[0];
      const error = new DomainError("validation_error", `Invalid event: ${issue?.path.join(".") || "body"}: ${issue?.message}`, {
        issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
      parsed.refused.set(index, { eventId: id, error });
      return;
    }
    if (!system && SYSTEM_ID.test(result.data.id)) {
      const error = new DomainError("validation_error", "Event ids starting signup: or birthday: are the system's own", {
        field: "id",
      });
      parsed.refused.set(index, { eventId: id, error });
      return;
    }
    const print = fingerprint("EVENT", "", result.data);
    const first = firstOf.get(result.data.id);
    if (first !== undefined) parsed.repeats.push({ index, of: first, fingerprint: print });
    else {
      firstOf.set(result.data.id, index);
      parsed.valid.push({ index, input: result.data, fingerprint: print });
    }
  });
  return parsed;
}

/**
 * Splits valid events into fresh ones and those already stored: the same content replays the
 * stored answer, other content under a stored id is a conflict.
 */
export function answerStored(
  valid: ValidEvent[],
  stored: Map<string, StoredEvent>,
  requestId: string,
): { fresh: ValidEvent[]; answers: Map<number, EventAnswer> } {
  const fresh: ValidEvent[] = [];
  const answers = new Map<number, EventAnswer>();
  for (const v of valid) {
    const found = stored.get(v.input.id);
    if (!found) fresh.push(v);
    else if (found.fingerprint !== v.fingerprint) {
      const error = new DomainError("idempotency_conflict", `Event ${v.input.id} was already received with other content`);
      answers.set(v.index, refusalAnswer(v.input.id, error, requestId));
    } else {
      answers.set(v.index, { eventId: v.input.id, status: found.status_code, replayed: true, body: found.result as EventResult });
    }
  }
  return { fresh, answers };
}

/** A repeated id replays the first event's answer if the content is the same; else it is a conflict. */
export function answerRepeat(
  repeat: RepeatedEvent,
  first: EventAnswer | null,
  firstFingerprint: string | undefined,
  requestId: string,
): EventAnswer {
  if (first && firstFingerprint === repeat.fingerprint) return { ...first, replayed: true };
  const error = new DomainError("idempotency_conflict", "The same event id twice with other content");
  return refusalAnswer(first?.eventId ?? null, error, requestId);
}
