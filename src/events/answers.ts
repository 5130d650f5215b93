import { type ErrorBody, errorBody } from "../idempotency/idempotency.service.ts";
import { DomainError } from "../shared/errors.ts";
import type { EventResult } from "./events.schemas.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/** How one event of a request is answered: its own status, and whether it replays a stored answer. */
export interface EventAnswer {
  eventId: string | null;
  status: number;
  replayed: boolean;
  body: EventResult | ErrorBody;
}

/** A refused event's answer (nothing written for it, unless the caller stores the refusal). */
export const refusalAnswer = (eventId: string | null, error: DomainError, requestId: string): EventAnswer => ({
  eventId,
  status: error.status,
  replayed: false,
  body: errorBody(error, requestId),
});

/** The answer of an event nothing answered: a bug, said plainly rather than left out. */
export const unansweredAnswer = (requestId: string): EventAnswer =>
  refusalAnswer(null, new DomainError("internal_error", "Event was not answered"), requestId);

/** What every event's result starts with. */
export const resultBase = (p: PreparedEvent, dryRun: boolean) => ({
  eventId: p.input.id,
  type: p.input.type,
  memberId: p.memberId,
  enrolled: p.enrolled,
  occurredAt: p.event.occurredAt.toISOString(),
  dryRun,
});

/** A purchase recorded without a member (the `guest` policy): no points until it is claimed. */
export const guestResult = (p: PreparedEvent, dryRun: boolean): EventResult => ({
  ...resultBase(p, dryRun),
  status: "guest",
  points: { total: 0, available: 0, pending: 0 },
  contributions: [],
  skipped: [],
  stamps: [],
  return: null,
  referral: null,
  transactionId: null,
  balance: null,
});

/** The answer of an accepted event (201). */
export const acceptedAnswer = (p: PreparedEvent, body: EventResult): EventAnswer => ({
  eventId: p.input.id,
  status: 201,
  replayed: false,
  body,
});
