import { readFileSync } from "node:fs";
import { createHistogram } from "node:perf_hooks";
import { type Api, failureLabel, field, isSuccess } from "../ledger/load.ts";
import { type PurchaseEvent, readBatchAnswer } from "./workloads.ts";

/** One CDNOW purchase: a line of data/cdnow/CDNOW_master.txt. */
export interface CdnowPurchase {
  /** 1-based line number in the file (the header is line 1): the event id is `cdnow-<line>`. */
  line: number;
  customerId: string;
  /** YYYYMMDD */
  date: string;
  cds: number;
  /** dollar_value in cents */
  cents: number;
}

/**
 * Reads the file. The format is fixed: four whitespace-separated columns of digits (a customer id
 * with leading zeros, a YYYYMMDD date, a count, dollars with up to two decimals), CRLF line ends,
 * one header line, no quoting and no field that can contain a space. A split on whitespace reads it
 * exactly; a CSV library would add a dependency and nothing else. Every field is checked against
 * that format, so a malformed line fails loudly with its number instead of being misread.
 */
export function readCdnow(file: string): CdnowPurchase[] {
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  const purchases: CdnowPurchase[] = [];
  lines.forEach((text, index) => {
    const line = index + 1;
    const fields = text.trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === "") return; // the empty string after the last line end
    if (line === 1 && fields[0] === "customer_id") return;
    const [customerId = "", date = "", cds = "", dollars = ""] = fields;
    if (fields.length !== 4 || !/^\d+$/.test(customerId) || !/^\d{8}$/.test(date) || !/^\d+$/.test(cds)) {
      throw new Error(`${file}:${line}: expected "customer_id YYYYMMDD number_of_cds dollar_value", got "${text}"`);
    }
    const money = dollars.match(/^(\d+)(?:\.(\d{1,2}))?$/);
    if (!money) throw new Error(`${file}:${line}: dollar_value "${dollars}" is not dollars with at most two decimals`);
    // Integer arithmetic on the digits: round(dollars * 100) without binary floating point.
    const cents = Number(money[1]) * 100 + Number((money[2] ?? "").padEnd(2, "0"));
    purchases.push({ line, customerId, date, cds: Number(cds), cents });
  });
  return purchases;
}

/** The date at noon UTC: a whole day in a programme whose time zone is UTC. */
export function occurredAtOf(date: string): string {
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T12:00:00.000Z`;
}

export function cdnowEvent(p: CdnowPurchase): PurchaseEvent {
  return {
    id: `cdnow-${p.line}`,
    type: "purchase",
    member: { externalId: p.customerId },
    occurredAt: occurredAtOf(p.date),
    amount: p.cents,
    currency: "USD",
  };
}

/**
 * Splits the purchases into `lanes` by customer (a customer's purchases all go to one lane), each
 * lane in date order (ties in file order), cut into batches. Lanes never share a member, so their
 * batches lock disjoint rows and each customer's purchases arrive in order.
 */
export function plan(purchases: CdnowPurchase[], lanes: number, batchSize: number): PurchaseEvent[][][] {
  const sorted = [...purchases].sort((a, b) => (a.date === b.date ? a.line - b.line : a.date < b.date ? -1 : 1));
  const byLane: CdnowPurchase[][] = Array.from({ length: lanes }, () => []);
  for (const p of sorted) byLane[Number(p.customerId) % lanes]?.push(p);
  return byLane.map((lane) => {
    const batches: PurchaseEvent[][] = [];
    for (let at = 0; at < lane.length; at += batchSize) batches.push(lane.slice(at, at + batchSize).map(cdnowEvent));
    return batches;
  });
}

export interface ReplayResult {
  events: number;
  customers: number;
  lanes: number;
  batches: number;
  batchSize: number;
  wallSeconds: number;
  eventsPerSecond: number;
  batchLatencyMs: { p50: number; p99: number; max: number };
  accepted: number;
  replayed: number;
  failed: number;
  /** Failed batches or events by label: `500`, `422 validation_error`, ... */
  errors: Record<string, number>;
  /** Members the replay enrolled: distinct members of the answers that say `enrolled: true`. */
  enrolled: number;
  /** Answers that say `enrolled: true`: every event of a new customer in the batch that enrols it. */
  enrolledAnswers: number;
  /** Points the answers report, and what the two rules should give for these purchases. */
  points: number;
  expectedPoints: number;
}

/** What the bench's two rules give: 1 point per whole dollar, plus 10 for a purchase of $50 or more. */
export function expectedPoints(cents: number): number {
  return Math.floor(cents / 100) + (cents >= 5000 ? 10 : 0);
}

/** Sends every lane's batches in order, the lanes in parallel; counts what the answers say. */
export async function replay(
  api: Api,
  purchases: CdnowPurchase[],
  lanes: number,
  batchSize: number,
  log: (message: string) => void,
  /** Aborted on Ctrl-C: the lanes stop after their current batch. */
  signal?: AbortSignal,
): Promise<ReplayResult> {
  const work = plan(purchases, lanes, batchSize);
  const histogram = createHistogram();
  const errors = new Map<string, number>();
  const total = { accepted: 0, replayed: 0, failed: 0, enrolledAnswers: 0, points: 0 };
  const enrolled = new Set<string>();
  const batches = work.reduce((sum, lane) => sum + lane.length, 0);
  let done = 0;
  let nextReport = 0.1;
  const started = performance.now();
  await Promise.all(
    work.map(async (lane) => {
      for (const events of lane) {
        if (signal?.aborted) throw new Error("replay stopped");
        const sent = performance.now();
        const response = await api.post("/v1/events/batch", { events });
        histogram.record(Math.max(1, Math.round((performance.now() - sent) * 1000)));
        done += 1;
        if (!isSuccess(response)) {
          // The whole batch is lost: count its events as failed under the batch's status.
          total.failed += events.length;
          errors.set(`batch ${failureLabel(response)}`, (errors.get(`batch ${failureLabel(response)}`) ?? 0) + events.length);
          continue;
        }
        const outcome = readBatchAnswer(response.body, events.length);
        total.accepted += outcome.accepted;
        total.replayed += outcome.replayed;
        total.failed += outcome.failed;
        total.enrolledAnswers += outcome.enrolledAnswers;
        for (const id of outcome.enrolledMembers) enrolled.add(id);
        total.points += outcome.points;
        for (const [label, count] of Object.entries(outcome.errors)) errors.set(label, (errors.get(label) ?? 0) + count);
        if (done / batches >= nextReport) {
          log(`cdnow: ${done}/${batches} batches, ${Math.round((performance.now() - started) / 1000)} s`);
          nextReport += 0.1;
        }
      }
    }),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const micros = (n: number) => Math.round(n) / 1000;
  return {
    events: purchases.length,
    customers: new Set(purchases.map((p) => p.customerId)).size,
    lanes,
    batches,
    batchSize,
    wallSeconds: Math.round(wallSeconds * 100) / 100,
    eventsPerSecond: Math.round((purchases.length / wallSeconds) * 10) / 10,
    batchLatencyMs: { p50: micros(histogram.percentile(50)), p99: micros(histogram.percentile(99)), max: micros(histogram.max) },
    accepted: total.accepted,
    replayed: total.replayed,
    failed: total.failed,
    errors: Object.fromEntries(errors),
    enrolled: enrolled.size,
    enrolledAnswers: total.enrolledAnswers,
    points: total.points,
    expectedPoints: purchases.reduce((sum, p) => sum + expectedPoints(p.cents), 0),
  };
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Spot checks through the API, customer by customer: found by externalId, one member, the balance
 * and lifetime earnings the rules should give, and every purchase listed among the member's events.
 */
export async function spotCheck(api: Api, purchases: CdnowPurchase[], customers: string[]): Promise<Check[]> {
  const checks: Check[] = [];
  for (const customerId of customers) {
    const own = purchases.filter((p) => p.customerId === customerId);
    const expected = own.reduce((sum, p) => sum + expectedPoints(p.cents), 0);
    const name = `customer ${customerId}`;
    const found = await api.get(`/v1/members?externalId=${encodeURIComponent(customerId)}`, true);
    const data = field(found.body, "data");
    if (!isSuccess(found) || !Array.isArray(data) || data.length !== 1) {
      checks.push({
        name,
        ok: false,
        detail: `GET /v1/members?externalId=${customerId}: ${failureLabel(found)}, ${JSON.stringify(data)}`,
      });
      continue;
    }
    const memberId = String(field(data[0], "id"));
    const balance = await api.get(`/v1/members/${memberId}/balance`, true);
    const available = field(balance.body, "available");
    const earned = field(balance.body, "lifetime", "earned");
    const listed = await countEvents(api, memberId);
    const ok = isSuccess(balance) && available === expected && earned === expected && listed === own.length;
    checks.push({
      name,
      ok,
      detail: `${own.length} purchases, ${expected} points expected; balance available ${String(available)}, lifetime earned ${String(earned)}; ${listed} purchases listed by GET /v1/members/{id}/events`,
    });
  }
  return checks;
}

/**
 * The member's distinct purchases, page by page through GET /v1/members/{id}/events (`cursor` is
 * the previous page's nextCursor). -1 when a page fails or the paging does not end.
 */
async function countEvents(api: Api, memberId: string): Promise<number> {
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const query: string = `type=purchase&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const response = await api.get(`/v1/members/${memberId}/events?${query}`, true);
    const data = field(response.body, "data");
    if (!isSuccess(response) || !Array.isArray(data)) return -1;
    for (const event of data) seen.add(String(field(event, "id")));
    const next = field(response.body, "nextCursor");
    if (typeof next !== "string") return seen.size;
    if (next === cursor) return -1;
    cursor = next;
  }
  return -1;
}

/** The customers to spot-check: the first, the second, the busiest, the last, and a few spread between. */
export function spotCustomers(purchases: CdnowPurchase[], extra = 4): string[] {
  const counts = new Map<string, number>();
  for (const p of purchases) counts.set(p.customerId, (counts.get(p.customerId) ?? 0) + 1);
  const ids = [...counts.keys()].sort();
  const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const spread = Array.from({ length: extra }, (_, i) => ids[Math.floor(((i + 1) * ids.length) / (extra + 1))]);
  return [...new Set([ids[0], ids[1], busiest, ...spread, ids.at(-1)].filter((id): id is string => id !== undefined))];
}
