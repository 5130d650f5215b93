import { randomUUID } from "node:crypto";
import { Api, failureLabel, field, isSuccess, mapLimit, type Operation, stringField } from "../ledger/load.ts";

/** A purchase as an integrator sends it to POST /v1/events. */
export interface PurchaseEvent {
  id: string;
  type: "purchase";
  memberId?: string;
  member?: { externalId: string };
  occurredAt: string;
  /** Minor units (cents). */
  amount: number;
  currency: "USD";
}

/**
 * From when the rules are in force: the CDNOW replay posts purchases from 1997-01-01 (noon UTC) on,
 * and an event is judged by the rules in force when it occurred, so rules made today earn on that
 * history only if put in force from before it (POST /v1/rules inForceFrom).
 */
export const RULES_IN_FORCE_FROM = "1997-01-01T00:00:00Z";

/** The programme's earn rules: a point per whole dollar, and a 10-point bonus from $50. */
export const RULES = [
  {
    name: "1 point per dollar",
    trigger: "purchase",
    effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
    inForceFrom: RULES_IN_FORCE_FROM,
  },
  {
    name: "10 bonus points from $50",
    trigger: "purchase",
    conditions: [{ type: "min_amount", amount: 5000 }],
    effect: { type: "fixed_points", points: 10 },
    inForceFrom: RULES_IN_FORCE_FROM,
  },
];

const SETUP_CONCURRENCY = 8;

/** A programme with the two rules; answers its id and admin key. */
export async function createProgramme(
  origin: string,
  rootKey: string,
  name: string,
  unknownMemberPolicy: "reject" | "enroll",
): Promise<{ programId: string; key: string }> {
  const root = new Api(origin, rootKey, 1);
  let key: string;
  let programId: string;
  try {
    const created = await root.post("/v1/programs", { name, currency: "USD", timezone: "UTC", unknownMemberPolicy });
    if (!isSuccess(created)) throw new Error(`POST /v1/programs answered ${failureLabel(created)}`);
    key = stringField(created.body, "apiKey", "secret");
    programId = stringField(created.body, "program", "id");
  } finally {
    await root.close();
  }
  const api = new Api(origin, key, 1);
  try {
    for (const rule of RULES) {
      const response = await api.post("/v1/rules", rule);
      if (!isSuccess(response)) throw new Error(`POST /v1/rules (${rule.name}) answered ${failureLabel(response)}`);
    }
  } finally {
    await api.close();
  }
  return { programId, key };
}

/** `count` members, created through the API; answers their ids. */
export async function createMembers(origin: string, key: string, count: number): Promise<string[]> {
  const api = new Api(origin, key, SETUP_CONCURRENCY);
  try {
    return await mapLimit(Array.from({ length: count }), SETUP_CONCURRENCY, async (_, i) => {
      const member = await api.post("/v1/members", { externalId: `bench-${i + 1}` });
      if (!isSuccess(member)) throw new Error(`POST /v1/members answered ${failureLabel(member)}`);
      return stringField(member.body, "id");
    });
  } finally {
    await api.close();
  }
}

/** A purchase of $5-$100 (about half of them earn the bonus) by a random member, with a fresh id. */
function randomPurchase(members: string[], random: () => number): PurchaseEvent {
  return {
    id: `bench-${randomUUID()}`,
    type: "purchase",
    memberId: members[Math.floor(random() * members.length)] ?? "",
    occurredAt: new Date().toISOString(),
    amount: 500 + Math.floor(random() * 9501),
    currency: "USD",
  };
}

/** POST /v1/events: one purchase; a success is a 201 with the event processed. */
export function singleEvent(api: Api, members: string[]): Operation {
  return async (_worker, random) => {
    const response = await api.post("/v1/events", randomPurchase(members, random));
    if (response.status !== 201) return `event ${failureLabel(response)}`;
    return field(response.body, "status") === "processed" ? null : `event 201 ${String(field(response.body, "status"))}`;
  };
}

/** POST /v1/events/batch with `size` purchases; a success is a 200 with every event 201 and accepted. */
export function eventBatch(api: Api, members: string[], size: number): Operation {
  return async (_worker, random) => {
    const events = Array.from({ length: size }, () => randomPurchase(members, random));
    const response = await api.post("/v1/events/batch", { events });
    if (!isSuccess(response)) return `batch ${failureLabel(response)}`;
    const outcome = readBatchAnswer(response.body, size);
    if (outcome.accepted === size) return null;
    return `batch: ${outcome.accepted} of ${size} accepted, first error ${outcome.firstError ?? "?"}`;
  };
}

export interface BatchOutcome {
  accepted: number;
  replayed: number;
  failed: number;
  /** Answers that say `enrolled: true`, and the members they name (a member enrolled by a batch is named by each of its events in that batch). */
  enrolledAnswers: number;
  enrolledMembers: string[];
  /** Net points the accepted events gave. */
  points: number;
  firstError: string | null;
  /** Failed events by label: `422 validation_error`, ... */
  errors: Record<string, number>;
}

/**
 * Reads a POST /v1/events/batch answer without trusting its shape: the summary, and each result
 * (an event counts as accepted only with status 201, not replayed, and its result present).
 */
export function readBatchAnswer(body: unknown, sent: number): BatchOutcome {
  const results = field(body, "results");
  const errors: Record<string, number> = {};
  const outcome: BatchOutcome = {
    accepted: 0,
    replayed: 0,
    failed: 0,
    enrolledAnswers: 0,
    enrolledMembers: [],
    points: 0,
    firstError: null,
    errors,
  };
  const fail = (label: string) => {
    outcome.failed += 1;
    errors[label] = (errors[label] ?? 0) + 1;
    outcome.firstError ??= label;
  };
  if (!Array.isArray(results)) {
    for (let i = 0; i < sent; i++) fail("no results in the answer");
    return outcome;
  }
  for (const r of results) {
    const status = field(r, "status");
    if (status !== 201) {
      fail(`${String(status)} ${String(field(r, "error", "code") ?? "")}`.trim());
      continue;
    }
    if (field(r, "replayed") === true) {
      outcome.replayed += 1;
      continue;
    }
    outcome.accepted += 1;
    if (field(r, "result", "enrolled") === true) {
      outcome.enrolledAnswers += 1;
      outcome.enrolledMembers.push(String(field(r, "result", "memberId")));
    }
    const points = field(r, "result", "points", "total");
    if (typeof points === "number") outcome.points += points;
  }
  if (results.length !== sent) fail(`${results.length} results for ${sent} events`);
  const summary = field(body, "summary", "accepted");
  if (summary !== outcome.accepted) fail(`summary.accepted ${String(summary)}, counted ${outcome.accepted}`);
  return outcome;
}
