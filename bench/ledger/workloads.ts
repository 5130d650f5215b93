import { randomUUID } from "node:crypto";
import { Api, failureLabel, isSuccess, mapLimit, type Operation, stringField } from "./load.ts";
import type { Workload } from "./options.ts";

/** Enough that no run can spend a member's points: holds take at most 20 at a time. */
export const STARTING_BALANCE = 1_000_000_000;
const SETUP_CONCURRENCY = 8;

export interface Fixture {
  programKey: string;
  memberIds: string[];
  /** One member every request of a "hot" run goes to, to show per-member serialization. */
  hotMemberId: string;
}

/** A programme (no expiry, no pending days) and `members` members, each with a starting balance. */
export async function createFixture(origin: string, rootKey: string, members: number): Promise<Fixture> {
  const root = new Api(origin, rootKey, 1);
  let programKey: string;
  try {
    const created = await root.post("/v1/programs", { name: "bench ledger", currency: "USD", timezone: "UTC" });
    if (!isSuccess(created)) throw new Error(`POST /v1/programs answered ${failureLabel(created)}`);
    programKey = stringField(created.body, "apiKey", "secret");
  } finally {
    await root.close();
  }
  const api = new Api(origin, programKey, SETUP_CONCURRENCY);
  try {
    const ids = await mapLimit(Array.from({ length: members + 1 }), SETUP_CONCURRENCY, async () => {
      const member = await api.post("/v1/members", {});
      if (!isSuccess(member)) throw new Error(`POST /v1/members answered ${failureLabel(member)}`);
      const id = stringField(member.body, "id");
      const seeded = await api.post(`/v1/members/${id}/adjustments`, { points: STARTING_BALANCE, reason: "bench seed" });
      if (!isSuccess(seeded)) throw new Error(`seeding ${id} answered ${failureLabel(seeded)}`);
      return id;
    });
    const [hotMemberId, ...memberIds] = ids;
    if (hotMemberId === undefined) throw new Error("no members were created");
    return { programKey, memberIds, hotMemberId };
  } finally {
    await api.close();
  }
}

/**
 * One unit of a workload, as an integrator sends it: each mutation with its own fresh
 * Idempotency-Key (unless `idempotencyKeys` is off, to measure what the keys cost).
 * Virtual user `worker` talks to server `worker % apis.length`.
 */
export function operationFor(workload: Workload, apis: Api[], members: string[], idempotencyKeys = true): Operation {
  const key = () => (idempotencyKeys ? randomUUID() : undefined);
  const apiOf = (worker: number) => {
    const api = apis[worker % apis.length];
    if (!api) throw new Error("no server to send to");
    return api;
  };
  const memberOf = (random: () => number) => members[Math.floor(random() * members.length)] ?? "";

  if (workload === "http-floor" || workload === "sql-floor") {
    const path = workload === "http-floor" ? "/healthz" : "/readyz";
    return async (worker) => {
      const response = await apiOf(worker).get(path);
      return isSuccess(response) ? null : `${path} ${failureLabel(response)}`;
    };
  }
  if (workload === "adjust") {
    return async (worker, random) => {
      const response = await apiOf(worker).post(
        `/v1/members/${memberOf(random)}/adjustments`,
        { points: 1 + Math.floor(random() * 100), reason: "bench adjustment" },
        key(),
      );
      return isSuccess(response) ? null : `adjust ${failureLabel(response)}`;
    };
  }
  return async (worker, random) => {
    const api = apiOf(worker);
    const hold = await api.post(`/v1/members/${memberOf(random)}/holds`, { points: 1 + Math.floor(random() * 20) }, key());
    if (!isSuccess(hold)) return `hold ${failureLabel(hold)}`;
    const captured = await api.post(`/v1/holds/${stringField(hold.body, "id")}/capture`, {}, key());
    return isSuccess(captured) ? null : `capture ${failureLabel(captured)}`;
  };
}
