/**
 * Redemptions under concurrency, through three real server processes on one PostgreSQL database
 * and through the in-process app on each engine. A reward with little stock and a one-per-member
 * limit is rushed by many members at once: exactly its stock is handed out, nobody gets two,
 * every refusal is a clean 409, and the ledger verifies. Then the races on one member
 * (redemptions and pay-with-points spending the same points), on one voucher (checkouts, and a
 * cancel against a use), on one Idempotency-Key, and between a redemption in flight and a change
 * to its reward's stock.
 */
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { verifyLedger } from "../../src/ledger/ledger.verify.ts";
import { type ApiResponse, apiClient, runCli, type ServerProcess, startServers, stopServers } from "../helpers/server-process.ts";
import { engines, type Json, startTestApp, type TestApp } from "../helpers/test-app.ts";

const postgresUrl = inject("postgresUrl");
const ROOT_KEY = "redemption-root-key-0123456789abcdef";
/** A bound against hangs, not a budget: each test takes a few seconds. */
const TEST_TIMEOUT_MS = 120_000;
/** Reservations in these tests never lapse while they run. */
const HOLD_SECONDS = 3_600;
const LIFETIME_LIMIT = { count: 1, period: "lifetime" };
const PAYMENT_POLICY = { pointValue: 1, minPoints: 1, minSharePercent: 0, maxSharePercent: 100 };

if (!postgresUrl) {
  console.warn(
    "redemption-concurrency.test.ts: SKIPPING the PostgreSQL tests (three server processes, and in process) - no PostgreSQL in this run; only PGlite runs.",
  );
}

/** Sends one request to server `target`, with `key` as its Idempotency-Key when given. */
type RawSend = (target: number, method: string, path: string, body: unknown, key: string | undefined) => Promise<ApiResponse>;

/** One programme's API, however it is served. */
interface Api {
  readonly programId: string;
  /** How many servers requests are spread over (target is taken modulo this). */
  readonly targets: number;
  /**
   * One request, as a careful till sends it: with a fresh Idempotency-Key (or `key`), and sent again
   * with the same key when no answer came (a kept-alive socket closed just then), which the key
   * makes safe. `key: null` sends no key, and such a request is never sent twice.
   */
  call(target: number, method: string, path: string, body?: unknown, key?: string | null): Promise<ApiResponse>;
  /** Keys sent more than once because an answer was lost: an earlier copy may have been the fresh one. */
  readonly retriedKeys: Set<string>;
  readonly transportFailures: string[];
}

interface Platform {
  program(input?: Record<string, unknown>): Promise<Api>;
  /** Every ledger, redemption, voucher and payment invariant on the whole database. */
  verify(): Promise<void>;
}

let keys = 0;
const runTag = `${process.pid.toString(36)}${Date.now().toString(36)}`;

function makeApi(programId: string, targets: number, send: RawSend): Api {
  const retriedKeys = new Set<string>();
  const transportFailures: string[] = [];
  return {
    programId,
    targets,
    retriedKeys,
    transportFailures,
    async call(target, method, path, body, key) {
      const sent = key === null || method === "GET" ? undefined : (key ?? `rc-${runTag}-${++keys}`);
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await send(target % targets, method, path, body, sent);
          if (attempt > 1 && sent) retriedKeys.add(sent);
          return res;
        } catch (error) {
          transportFailures.push(`${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
          if (attempt >= 3 || (sent === undefined && method !== "GET")) throw error;
        }
      }
    },
  };
}

/** "201", or "409 out_of_stock": what an answer was, for tallies and failure messages. */
const label = (res: ApiResponse) => (res.status >= 400 ? `${res.status} ${res.body?.error?.code}` : String(res.status));

function tally(answers: ApiResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[label(a)] = (counts[label(a)] ?? 0) + 1;
  return counts;
}

function ok(res: ApiResponse, status = 200): Json {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const replayed = (res: ApiResponse) => res.headers.get("idempotent-replayed") === "true";

async function createReward(api: Api, terms: Record<string, unknown>): Promise<Json> {
  const body = { name: "Free coffee", type: "free_product", value: { sku: "COFFEE" }, costPoints: 100, ...terms };
  return ok(await api.call(0, "POST", "/v1/rewards", body), 201);
}

/** Members with `points` each, made side by side (they share nothing). */
async function createMembers(api: Api, count: number, points: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const member = ok(await api.call(i, "POST", "/v1/members", {}), 201);
      ok(await api.call(i + 1, "POST", `/v1/members/${member.id}/adjustments`, { points, reason: "Seed" }), 201);
      return member.id as string;
    }),
  );
}

async function oneMember(api: Api, points: number): Promise<string> {
  const [member] = await createMembers(api, 1, points);
  if (!member) throw new Error("no member made");
  return member;
}

async function balanceOf(api: Api, member: string, target = 0): Promise<{ available: number; held: number }> {
  const b = ok(await api.call(target, "GET", `/v1/members/${member}/balance`));
  return { available: b.available, held: b.held };
}

/** The member's redemptions of one reward, as the API lists them. */
async function redemptionsOf(api: Api, member: string, rewardId: string, target = 0): Promise<Json[]> {
  const list = ok(await api.call(target, "GET", `/v1/members/${member}/redemptions?limit=200`));
  expect(list.nextCursor).toBeNull();
  return list.data.filter((r: Json) => r.reward.id === rewardId);
}

// ---------------------------------------------------------------------------------------------
// 1. Many members rush a reward with little stock and a limit of one each.
// ---------------------------------------------------------------------------------------------

interface StockScale {
  members: number;
  attemptsPerMember: number;
  stock: number;
}

const STOCK_COST = 100;
/** Enough for four units: only the stock and the limit can refuse. */
const STOCK_CREDIT = 450;

/**
 * Every attempt at once. A member's attempts are side by side in the burst, each to another
 * server, so they race each other as well as everyone else; one in three goes without an
 * Idempotency-Key (a refusal then leaves the unit of work by its other path).
 */
async function stockRace(api: Api, scale: StockScale) {
  const reward = await createReward(api, { stock: scale.stock, memberLimit: LIFETIME_LIMIT, costPoints: STOCK_COST });
  const members = await createMembers(api, scale.members, STOCK_CREDIT);
  const attempts: { member: string; keyed: boolean }[] = [];
  for (const member of members) {
    for (let round = 0; round < scale.attemptsPerMember; round++) attempts.push({ member, keyed: attempts.length % 3 !== 2 });
  }
  const started = performance.now();
  const answers = await Promise.all(
    attempts.map((a, i) =>
      api.call(i, "POST", `/v1/members/${a.member}/redemptions`, { rewardId: reward.id }, a.keyed ? undefined : null),
    ),
  );
  const ms = Math.round(performance.now() - started);
  const counts = tally(answers);

  // Exactly the stock succeeds; every other attempt is a 409 saying why, never a 5xx or another code.
  const unexpected = answers.filter((a) => !["201", "409 out_of_stock", "409 limit_reached"].includes(label(a)));
  expect(unexpected.map((a) => `${label(a)} ${JSON.stringify(a.body)}`)).toEqual([]);
  expect(counts["201"], JSON.stringify(counts)).toBe(scale.stock);
  expect((counts["409 out_of_stock"] ?? 0) + (counts["409 limit_reached"] ?? 0)).toBe(attempts.length - scale.stock);

  // Nobody redeems twice: ten different members, each charged exactly the cost once.
  const winners = new Map<string, Json>();
  answers.forEach((a, i) => {
    const member = attempts[i]?.member ?? "";
    if (a.status !== 201) return;
    expect(winners.has(member), `${member} redeemed twice`).toBe(false);
    winners.set(member, a.body);
    expect(a.body).toMatchObject({ memberId: member, status: "completed", quantity: 1, points: STOCK_COST });
    expect(a.body.vouchers).toHaveLength(1);
    expect(a.body.balance).toMatchObject({ available: STOCK_CREDIT - STOCK_COST, held: 0 });
  });
  expect(winners.size).toBe(scale.stock);

  const after = ok(await api.call(1, "GET", `/v1/rewards/${reward.id}`));
  expect(after.stock).toEqual({ total: scale.stock, remaining: 0 });

  await Promise.all(
    members.map(async (member, i) => {
      const won = winners.get(member);
      expect({ member, ...(await balanceOf(api, member, i)) }).toEqual({
        member,
        available: won ? STOCK_CREDIT - STOCK_COST : STOCK_CREDIT,
        held: 0,
      });
      const listed = await redemptionsOf(api, member, reward.id, i + 1);
      expect(listed.map((r) => [r.id, r.status])).toEqual(won ? [[won.id, "completed"]] : []);
    }),
  );

  // One voucher per winner, all different, each valid for its own member.
  const codes = [...winners.values()].map((w) => w.vouchers[0].code as string);
  expect(new Set(codes).size).toBe(scale.stock);
  await Promise.all(
    [...winners].map(async ([member, won], i) => {
      const check = ok(await api.call(i, "GET", `/v1/vouchers/${won.vouchers[0].code}`));
      expect(check).toMatchObject({ valid: true, status: "issued", memberId: member, redemptionId: won.id });
    }),
  );
  return {
    rewardId: reward.id as string,
    winners: [...winners.keys()],
    summary: `${attempts.length} attempts in ${ms} ms: ${JSON.stringify(counts)}`,
  };
}

/**
 * The limit on its own: stock for everyone, so only the limit of one can refuse a member's
 * sibling attempts, which arrive at once on different servers. Exactly one each.
 */
async function limitRace(api: Api, scale: { members: number; attemptsPerMember: number }) {
  const stock = scale.members * scale.attemptsPerMember;
  const reward = await createReward(api, { stock, memberLimit: LIFETIME_LIMIT, costPoints: STOCK_COST });
  const members = await createMembers(api, scale.members, STOCK_CREDIT);
  const attempts = members.flatMap((member) => Array.from({ length: scale.attemptsPerMember }, () => member));
  const answers = await Promise.all(
    attempts.map((member, i) => api.call(i, "POST", `/v1/members/${member}/redemptions`, { rewardId: reward.id })),
  );
  const counts = tally(answers);
  expect(counts).toEqual({ "201": scale.members, "409 limit_reached": stock - scale.members });
  const winners = answers.flatMap((a, i) => (a.status === 201 ? [attempts[i]] : []));
  expect(new Set(winners).size).toBe(scale.members);
  expect(ok(await api.call(1, "GET", `/v1/rewards/${reward.id}`)).stock).toEqual({
    total: stock,
    remaining: stock - scale.members,
  });
  await Promise.all(
    members.map(async (member, i) => {
      expect({ member, ...(await balanceOf(api, member, i)) }).toEqual({ member, available: STOCK_CREDIT - STOCK_COST, held: 0 });
      expect((await redemptionsOf(api, member, reward.id, i + 1)).map((r) => r.status)).toEqual(["completed"]);
    }),
  );
  return `${attempts.length} attempts: ${JSON.stringify(counts)}`;
}

// ---------------------------------------------------------------------------------------------
// 1b. The same rush with reservations, confirmations and cancellations racing the attempts.
// ---------------------------------------------------------------------------------------------

type MixKind = "reserve-confirm" | "redeem-cancel" | "redeem" | "reserve-race" | "reserve-keep";
/** What a member does with a unit it wins; repeated over the members. */
const MIX_KINDS: MixKind[] = [
  "reserve-confirm",
  "redeem-cancel",
  "redeem",
  "reserve-race",
  "reserve-confirm",
  "redeem",
  "redeem",
  "reserve-keep",
];

interface MixScale {
  members: number;
  attemptsPerMember: number;
  /** Members kept aside: each successful cancellation sends one of them after the unit it freed. */
  followers: number;
  stock: number;
  /** Completed redemptions made before the rush and cancelled during it. */
  precancelled: number;
}

type Final = "completed" | "reserved" | "cancelled";

/**
 * Before the rush, a few members redeem one-phase and three reserve. Then, all at once: those
 * redemptions are cancelled, one reservation is confirmed, one raced by a confirm and a cancel
 * (the third is kept), and every member fires its attempts. A member that wins goes on by its
 * kind: confirms its reservation, cancels its redemption (and a follower goes after the freed
 * unit), races a confirm against a cancel, or keeps the reservation. Meanwhile readers sample the
 * stock (through the API, and through `probe` when the test can read the database).
 */
async function mixedRace(api: Api, scale: MixScale, probe?: (rewardId: string) => Promise<number>) {
  const reward = await createReward(api, { stock: scale.stock, memberLimit: LIFETIME_LIMIT, costPoints: STOCK_COST });
  const members = await createMembers(api, scale.members, STOCK_CREDIT);
  const followers = await createMembers(api, scale.followers, STOCK_CREDIT);
  const kindOf = new Map<string, MixKind>(members.map((m, i) => [m, MIX_KINDS[i % MIX_KINDS.length] ?? "redeem"]));
  for (const f of followers) kindOf.set(f, "redeem");

  const finals = new Map<string, { member: string; status: Final }>();
  const counts: Record<string, number> = {};
  const unexpected: string[] = [];
  /** Tallies an answer and says whether it succeeded; an answer outside `allowed` is a failure. */
  const check = (what: string, res: ApiResponse, allowed: string[]) => {
    const l = label(res);
    counts[`${what} ${l}`] = (counts[`${what} ${l}`] ?? 0) + 1;
    if (!allowed.includes(l)) unexpected.push(`${what}: ${l} ${JSON.stringify(res.body)}`);
    return res.status < 300;
  };
  const redeemPath = (member: string) => `/v1/members/${member}/redemptions`;
  const reservation = { rewardId: reward.id, reserve: true, holdSeconds: HOLD_SECONDS };

  // Before the rush: completed redemptions to cancel during it.
  const precancel: string[] = [];
  for (const member of members.slice(0, scale.precancelled)) {
    const red = ok(await api.call(0, "POST", redeemPath(member), { rewardId: reward.id }), 201);
    finals.set(red.id, { member, status: "completed" });
    precancel.push(red.id);
  }
  // Three reservations: one to confirm, one to race a confirm and a cancel on, one kept as it is.
  const [toConfirm, toRace] = await Promise.all(
    members.slice(scale.precancelled, scale.precancelled + 3).map(async (member) => {
      const red = ok(await api.call(0, "POST", redeemPath(member), reservation), 201);
      finals.set(red.id, { member, status: "reserved" });
      return red.id as string;
    }),
  );
  const taken = scale.precancelled + 3;
  expect(ok(await api.call(0, "GET", `/v1/rewards/${reward.id}`)).stock).toEqual({
    total: scale.stock,
    remaining: scale.stock - taken,
  });

  let target = 0;
  let nextFollower = 0;
  const follow = async () => {
    const follower = followers[nextFollower++];
    if (follower) await attempt(follower);
  };
  const cancel = async (id: string, t: number, what = "cancel") => {
    const res = await api.call(t, "POST", `/v1/redemptions/${id}/cancel`, { reason: "Changed mind" });
    if (!check(what, res, ["200"])) return res;
    const known = finals.get(id);
    if (known) known.status = "cancelled";
    expect(
      res.body.vouchers.every((v: Json) => v.status === "cancelled"),
      JSON.stringify(res.body),
    ).toBe(true);
    await follow();
    return res;
  };
  const confirm = async (id: string, t: number, allowed = ["200"]) => {
    const res = await api.call(t, "POST", `/v1/redemptions/${id}/confirm`, {});
    const known = finals.get(id);
    if (check("confirm", res, allowed) && known && known.status === "reserved") known.status = "completed";
    return res;
  };
  /**
   * A confirm and a cancel of one reservation at once. The cancel always takes effect: before
   * the confirm (which is then refused), or after it, reversing the completed redemption.
   */
  const race = async (id: string, t: number) => {
    const [confirmed, cancelled] = await Promise.all([
      confirm(id, t, ["200", "409 invalid_state"]),
      cancel(id, t + 1, "raced cancel"),
    ]);
    if (cancelled.status !== 200) return;
    const known = finals.get(id);
    if (known) known.status = "cancelled";
    if (confirmed.status === 200) {
      expect(cancelled.body.cancelTransactionId, "a cancel after the confirm reverses its capture").not.toBeNull();
      expect(cancelled.body.vouchers).toHaveLength(1);
    } else {
      expect(cancelled.body.cancelTransactionId, "a cancelled reservation had nothing captured").toBeNull();
      expect(cancelled.body.vouchers).toEqual([]);
    }
  };
  const attempt = async (member: string): Promise<void> => {
    const kind = kindOf.get(member) ?? "redeem";
    const t = target++;
    const reserve = kind.startsWith("reserve");
    const res = await api.call(t, "POST", redeemPath(member), reserve ? reservation : { rewardId: reward.id });
    if (!check(reserve ? "reserve" : "redeem", res, ["201", "409 out_of_stock", "409 limit_reached"])) return;
    const id: string = res.body.id;
    finals.set(id, { member, status: reserve ? "reserved" : "completed" });
    if (kind === "reserve-confirm") await confirm(id, t + 1);
    else if (kind === "redeem-cancel") await cancel(id, t + 1);
    else if (kind === "reserve-race") await race(id, t + 1);
  };

  let rushing = true;
  const samples: number[] = [];
  const sample = async (read: (i: number) => Promise<number>) => {
    for (let i = 0; rushing; i++) samples.push(await read(i));
  };
  const samplers = Promise.all([
    sample(async (i) => {
      const res = await api.call(i, "GET", `/v1/rewards/${reward.id}`);
      return res.status === 200 ? res.body.stock.remaining : Number.NaN;
    }),
    probe ? sample(() => probe(reward.id)) : null,
  ]);
  const rush: Promise<unknown>[] = [
    ...precancel.map((id, i) => cancel(id, i)),
    confirm(toConfirm ?? "", 1),
    race(toRace ?? "", 2),
  ];
  for (let round = 0; round < scale.attemptsPerMember; round++) for (const member of members) rush.push(attempt(member));
  const started = performance.now();
  try {
    await Promise.all(rush);
  } finally {
    rushing = false;
    await samplers;
  }
  const ms = Math.round(performance.now() - started);

  expect(unexpected).toEqual([]);
  // The stock never left [0, stock] while the rush ran.
  expect(samples.length).toBeGreaterThan(0);
  expect(samples.filter((s) => !(s >= 0 && s <= scale.stock))).toEqual([]);

  // The API lists exactly the redemptions the answers told of, in the state the answers left them.
  const everyone = [...members, ...followers];
  const listed = (await Promise.all(everyone.map((m, i) => redemptionsOf(api, m, reward.id, i)))).flat();
  const byId = (entries: [string, string][]) => Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
  expect(byId(listed.map((r) => [r.id, r.status]))).toEqual(byId([...finals].map(([id, f]) => [id, f.status])));

  // Nobody holds two units; completed and reserved units are exactly the stock taken.
  const live = listed.filter((r) => r.status === "completed" || r.status === "reserved");
  const perMember = new Map<string, number>();
  for (const r of live) perMember.set(r.memberId, (perMember.get(r.memberId) ?? 0) + r.quantity);
  expect([...perMember].filter(([, n]) => n > 1)).toEqual([]);
  const after = ok(await api.call(0, "GET", `/v1/rewards/${reward.id}`));
  expect(after.stock.total).toBe(scale.stock);
  expect(after.stock.remaining).toBeGreaterThanOrEqual(0);
  const units = live.reduce((sum, r) => sum + r.quantity, 0);
  expect(units, "completed + active reservations = stock - remaining").toBe(scale.stock - after.stock.remaining);

  // Vouchers: one per completed unit, all different; a cancelled redemption's are all cancelled.
  const codes: string[] = [];
  for (const r of listed) {
    for (const v of r.vouchers) codes.push(v.code);
    const statuses = r.vouchers.map((v: Json) => v.status);
    const want = { completed: ["issued"], reserved: [], cancelled: statuses.map(() => "cancelled") }[r.status as Final];
    expect({ id: r.id, vouchers: statuses }).toEqual({ id: r.id, vouchers: want });
  }
  expect(new Set(codes).size).toBe(codes.length);

  // Each member paid for what it holds and has held what it reserved; a cancellation gave all back.
  await Promise.all(
    everyone.map(async (member, i) => {
      const mine = live.filter((r) => r.memberId === member);
      const completed = mine.filter((r) => r.status === "completed").length;
      const reserved = mine.filter((r) => r.status === "reserved").length;
      expect({ member, ...(await balanceOf(api, member, i)) }).toEqual({
        member,
        available: STOCK_CREDIT - STOCK_COST * (completed + reserved),
        held: STOCK_COST * reserved,
      });
    }),
  );
  const states = Object.fromEntries(
    ["completed", "reserved", "cancelled"].map((s) => [s, listed.filter((r) => r.status === s).length]),
  );
  return `${rush.length} requests at once plus ${nextFollower} followers in ${ms} ms; ${samples.length} stock samples; final ${JSON.stringify(
    states,
  )}, ${after.stock.remaining} left; answers ${JSON.stringify(counts)}`;
}

// ---------------------------------------------------------------------------------------------
// 3. Redemptions and payments with points race for one member's points.
// ---------------------------------------------------------------------------------------------

async function memberRace(api: Api) {
  const CREDIT = 1_000;
  const reward = await createReward(api, { costPoints: 60 });
  const member = await oneMember(api, 600);
  ok(await api.call(0, "POST", `/v1/members/${member}/adjustments`, { points: CREDIT - 600, reason: "Second lot" }), 201);
  const asks: { kind: "redeem" | "pay"; points: number; path: string; body: unknown }[] = [];
  for (let i = 0; i < 12; i++) {
    const quantity = (i % 3) + 1;
    asks.push({
      kind: "redeem",
      points: 60 * quantity,
      path: `/v1/members/${member}/redemptions`,
      body: { rewardId: reward.id, quantity },
    });
    const amount = 35 + 17 * i;
    asks.push({
      kind: "pay",
      points: amount, // pointValue 1: a point pays one minor unit
      path: `/v1/members/${member}/payments`,
      body: { orderId: `order-${i}`, amount, currency: "USD", orderTotal: amount * 2 },
    });
  }
  const answers = await Promise.all(asks.map((a, i) => api.call(i, "POST", a.path, a.body)));
  const counts = tally(answers);
  expect(
    answers.filter((a) => !["201", "409 insufficient_points"].includes(label(a))).map((a) => JSON.stringify(a.body)),
  ).toEqual([]);
  const asked = asks.reduce((sum, a) => sum + a.points, 0);
  expect(asked).toBeGreaterThan(2 * CREDIT);

  const succeeded = asks.flatMap((a, i) => (answers[i]?.status === 201 ? [{ ...a, body: answers[i]?.body }] : []));
  const refused = asks.filter((_, i) => answers[i]?.status === 409);
  for (const s of succeeded) expect(s.body.points).toBe(s.points);
  const spent = succeeded.reduce((sum, s) => sum + s.points, 0);
  const balance = await balanceOf(api, member);
  expect(balance.available).toBeGreaterThanOrEqual(0);
  expect(balance).toEqual({ available: CREDIT - spent, held: 0 });
  // Each success saw every earlier one: ordered by the balance it reported, each took exactly its points off the last.
  let before = CREDIT;
  for (const s of [...succeeded].sort((a, b) => b.body.balance.available - a.body.balance.available)) {
    expect(s.body.balance.available, `${s.kind} of ${s.points}`).toBe(before - s.points);
    before = s.body.balance.available;
  }
  // A refusal was real: the balance only fell, so what was refused still does not fit.
  for (const r of refused)
    expect(r.points, `${r.kind} of ${r.points} refused with ${balance.available} left`).toBeGreaterThan(balance.available);

  const redemptions = await redemptionsOf(api, member, reward.id);
  expect(redemptions.map((r) => r.status).sort()).toEqual(succeeded.filter((s) => s.kind === "redeem").map(() => "completed"));
  const payments = ok(await api.call(0, "GET", `/v1/members/${member}/payments?limit=200`));
  expect(payments.data.map((p: Json) => p.points).sort()).toEqual(
    succeeded
      .filter((s) => s.kind === "pay")
      .map((s) => s.points)
      .sort(),
  );
  return `${asks.length} spends asking ${asked} of ${CREDIT} points: ${JSON.stringify(counts)}, ${spent} spent`;
}

// ---------------------------------------------------------------------------------------------
// 4. Races on one voucher: checkouts at once, and a cancel against a use.
// ---------------------------------------------------------------------------------------------

async function voucherRace(api: Api) {
  const COST = 10;
  const CREDIT = 1_000;
  const STOCK = 40;
  const reward = await createReward(api, { costPoints: COST, stock: STOCK });
  const member = await oneMember(api, CREDIT);
  const redeemPath = `/v1/members/${member}/redemptions`;

  // Ten checkouts present the same code at once (some typed in lower case): one uses it.
  const single = ok(await api.call(0, "POST", redeemPath, { rewardId: reward.id }), 201);
  const code: string = single.vouchers[0].code;
  const checkouts = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      api.call(i, "POST", `/v1/vouchers/${i % 2 ? code.toLowerCase() : code}/redeem`, { orderId: `checkout-${i}` }),
    ),
  );
  expect(tally(checkouts)).toEqual({ "200": 1, "409 voucher_used": 9 });
  const winner = checkouts.findIndex((c) => c.status === 200);
  const used = ok(await api.call(1, "GET", `/v1/vouchers/${code}`));
  expect(used).toMatchObject({ status: "used", valid: false, usedOrderId: `checkout-${winner}` });

  // Cancel against use, on a dozen redemptions at once (four with two vouchers): one side wins each.
  const redemptions: Json[] = [];
  for (let i = 0; i < 12; i++)
    redemptions.push(ok(await api.call(i, "POST", redeemPath, { rewardId: reward.id, quantity: i < 8 ? 1 : 2 }), 201));
  const races = await Promise.all(
    redemptions.map(async (red, j) => {
      const cancel = () => api.call(j, "POST", `/v1/redemptions/${red.id}/cancel`, {});
      const uses = red.vouchers.map(
        (v: Json, k: number) => () => api.call(j + k + 1, "POST", `/v1/vouchers/${v.code}/redeem`, { orderId: `till-${j}-${k}` }),
      );
      const requests: (() => Promise<ApiResponse>)[] = j % 2 ? [cancel, ...uses] : [...uses, cancel];
      const answers = await Promise.all(requests.map((r) => r()));
      const cancelled = answers[j % 2 ? 0 : answers.length - 1] as ApiResponse;
      return { red, cancelled, uses: answers.filter((a) => a !== cancelled) };
    }),
  );
  let unitsKept = 1; // the single redemption above
  for (const { red, cancelled, uses } of races) {
    const outcome = `${red.id}: cancel ${label(cancelled)}, uses ${uses.map(label).join(", ")}`;
    const after = ok(await api.call(0, "GET", `/v1/redemptions/${red.id}`));
    if (cancelled.status === 200) {
      // The cancel won: no voucher was used, all are cancelled, the points came back.
      expect(uses.map(label), outcome).toEqual(uses.map(() => "409 voucher_cancelled"));
      expect(after.status).toBe("cancelled");
      expect(after.vouchers.map((v: Json) => v.status)).toEqual(red.vouchers.map(() => "cancelled"));
    } else {
      // A use won: the cancel was refused, and nothing stopped the other uses.
      expect(label(cancelled), outcome).toBe("409 voucher_used");
      expect(uses.map(label), outcome).toEqual(uses.map(() => "200"));
      expect(after.status).toBe("completed");
      expect(after.vouchers.map((v: Json) => v.status)).toEqual(red.vouchers.map(() => "used"));
      unitsKept += red.quantity;
    }
  }
  expect(await balanceOf(api, member)).toEqual({ available: CREDIT - COST * unitsKept, held: 0 });
  expect(ok(await api.call(2, "GET", `/v1/rewards/${reward.id}`)).stock).toEqual({ total: STOCK, remaining: STOCK - unitsKept });
  const cancelWins = races.filter((r) => r.cancelled.status === 200).length;
  return `10 checkouts of one code: ${JSON.stringify(tally(checkouts))}; cancel vs use: ${cancelWins} cancels won, ${races.length - cancelWins} uses won`;
}

// ---------------------------------------------------------------------------------------------
// 5. The same Idempotency-Key sent several times at once.
// ---------------------------------------------------------------------------------------------

/** Identical answers, one of them fresh (unless a copy was sent again after a lost answer). */
function expectOneEffect(api: Api, key: string, answers: ApiResponse[], status: number) {
  const first = answers[0];
  for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status, body: first?.body });
  const fresh = answers.filter((a) => !replayed(a)).length;
  if (api.retriedKeys.has(key)) expect(fresh).toBeLessThanOrEqual(1);
  else expect(fresh, "exactly one copy ran; the others replayed its answer").toBe(1);
}

async function idempotentRace(api: Api) {
  const COST = 50;
  const CREDIT = 1_000;
  const open = await createReward(api, { costPoints: COST, stock: 100 });
  const limited = await createReward(api, { costPoints: COST, stock: 100, memberLimit: LIFETIME_LIMIT });
  const member = await oneMember(api, CREDIT);
  const path = `/v1/members/${member}/redemptions`;
  const copies = (key: string, method: string, to: string, body: unknown) =>
    Promise.all(Array.from({ length: 5 }, (_, i) => api.call(i, method, to, body, key)));

  // No limit would stop a second redemption: only the key does.
  const k1 = `redeem-${runTag}-${api.programId}`;
  const one = await copies(k1, "POST", path, { rewardId: open.id });
  expectOneEffect(api, k1, one, 201);
  // With a limit of one, the copies that run after the first would be refused: they replay instead.
  const k2 = `limited-${runTag}-${api.programId}`;
  const two = await copies(k2, "POST", path, { rewardId: limited.id });
  expectOneEffect(api, k2, two, 201);
  // A reservation, then its confirmation, each sent five times at once.
  const k3 = `reserve-${runTag}-${api.programId}`;
  const reserved = await copies(k3, "POST", path, { rewardId: open.id, reserve: true, holdSeconds: HOLD_SECONDS });
  expectOneEffect(api, k3, reserved, 201);
  const k4 = `confirm-${runTag}-${api.programId}`;
  const confirmed = await copies(k4, "POST", `/v1/redemptions/${reserved[0]?.body.id}/confirm`, {});
  expectOneEffect(api, k4, confirmed, 200);
  expect(confirmed[0]?.body.status).toBe("completed");
  // The same key with two different bodies at once: one runs, the other is a conflict.
  const k5 = `conflict-${runTag}-${api.programId}`;
  const conflicting = await Promise.all([
    api.call(0, "POST", path, { rewardId: open.id, quantity: 1 }, k5),
    api.call(1, "POST", path, { rewardId: open.id, quantity: 2 }, k5),
  ]);
  expect(conflicting.map(label).sort()).toEqual(["201", "409 idempotency_conflict"]);
  const conflictUnits = conflicting.find((a) => a.status === 201)?.body.quantity as number;

  const openList = await redemptionsOf(api, member, open.id);
  expect(openList.map((r) => r.id).sort()).toEqual(
    [one[0]?.body.id, reserved[0]?.body.id, conflicting.find((a) => a.status === 201)?.body.id].sort(),
  );
  expect(openList.every((r) => r.status === "completed")).toBe(true);
  expect((await redemptionsOf(api, member, limited.id)).map((r) => r.id)).toEqual([two[0]?.body.id]);
  const units = 3 + conflictUnits;
  expect(await balanceOf(api, member)).toEqual({ available: CREDIT - COST * units, held: 0 });
  expect(ok(await api.call(1, "GET", `/v1/rewards/${open.id}`)).stock.remaining).toBe(100 - 2 - conflictUnits);
  expect(ok(await api.call(2, "GET", `/v1/rewards/${limited.id}`)).stock.remaining).toBe(99);
  return "5 copies of each key: one effect, identical answers";
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL, three server processes on one database.
// ---------------------------------------------------------------------------------------------

/** Backends now waiting for a lock in this database: pid, whom they wait for, what they run. */
async function waiting(db: Database["db"]) {
  const rows = await sql<{ pid: number; blockers: number[]; query: string }>`select pid, pg_blocking_pids(pid) as blockers, query
    from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
  return rows.rows;
}

/**
 * Polls, with a bound, until a backend running `pattern` waits behind one of `blockers`, and
 * returns its pid; or returns null as soon as `done()` says there is nothing left to wait for.
 */
async function queued(db: Database["db"], pattern: RegExp, blockers: number[], done = () => false): Promise<number | null> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (done()) return null;
    const found = (await waiting(db)).find((w) => pattern.test(w.query) && w.blockers.some((b) => blockers.includes(b)));
    if (found) return found.pid;
    if (Date.now() > deadline)
      throw new Error(`nothing running ${pattern} queued behind ${blockers}: ${JSON.stringify(await waiting(db))}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Thrown to roll back a transaction the test holds open on purpose. */
class Release extends Error {}

/** Programmes on real servers: request `target` goes to server `target % servers.length`. */
function serverPlatform(servers: ServerProcess[], db: Database["db"]): Platform {
  const root = apiClient(servers[0]?.url ?? "", ROOT_KEY);
  let programs = 0;
  return {
    async program(input = {}) {
      const created = await root.call("POST", "/v1/programs", {
        name: `Redemptions ${++programs}`,
        currency: "USD",
        timezone: "UTC",
        ...input,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const clients = servers.map((s) => apiClient(s.url, created.body.apiKey.secret));
      return makeApi(created.body.program.id, clients.length, (target, method, path, body, key) => {
        const client = clients[target];
        if (!client) throw new Error(`no server ${target}`);
        return client.call(method, path, body, { ...(key && { idempotencyKey: key }), timeoutMs: 60_000 });
      });
    },
    async verify() {
      const report = await verifyLedger(db, new Date());
      expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
      expect(report.ok).toBe(true);
    },
  };
}

/** No server died or logged an error (a 500 logs one). */
function expectHealthy(servers: ServerProcess[]) {
  for (const server of servers) {
    expect(server.exitInfo(), server.label).toBeNull();
    expect(server.output(), server.label).not.toMatch(/"level":(50|60)/);
  }
}

describe.skipIf(!postgresUrl)("redemptions under concurrency on PostgreSQL, across three server processes", () => {
  const servers: ServerProcess[] = [];
  let database: Database | null = null;
  let platform: Platform;

  beforeAll(async () => {
    const url = postgresUrl ?? "";
    const env = { DATABASE_URL: url, STAMPBOOK_ROOT_KEY: ROOT_KEY, DATABASE_POOL_SIZE: "8" };
    await startServers(3, { env, label: "redemption-server" }, servers);
    const db = await openDatabase({ engine: "postgres", url, poolSize: 2 });
    database = db;
    platform = serverPlatform(servers, db.db);
  });

  afterAll(async () => {
    await stopServers(servers);
    await database?.close();
  });

  const serversHealthy = () => {
    expect(servers).toHaveLength(3);
    expectHealthy(servers);
  };

  it("stock 10, 200 attempts from 50 members with a limit of 1 each: exactly 10 succeed, nobody twice", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    if (!database || !postgresUrl) throw new Error("setup did not finish");
    const api = await platform.program();
    const result = await stockRace(api, { members: 50, attemptsPerMember: 4, stock: 10 });
    console.info(
      `PostgreSQL, 3 processes, stock race: ${result.summary}; ${api.transportFailures.length} connection failures retried`,
    );
    serversHealthy();

    // The database agrees: ten completed redemptions by ten members, ten captures, ten vouchers.
    const { db } = database;
    const rows = await sql<{ member_id: string; n: number }>`select member_id, count(*)::int as n from redemptions
      where reward_id = ${result.rewardId} group by member_id`.execute(db);
    expect(rows.rows.map((r) => [r.member_id, r.n]).sort()).toEqual(result.winners.map((m) => [m, 1]).sort());
    const captures = await sql<{ n: number }>`select count(*)::int as n from ledger_transactions
      where program_id = ${api.programId} and type = 'capture'`.execute(db);
    expect(captures.rows[0]?.n).toBe(10);
    const vouchers = await sql<{ n: number; codes: number }>`select count(*)::int as n, count(distinct code)::int as codes
      from vouchers where reward_id = ${result.rewardId}`.execute(db);
    expect(vouchers.rows[0]).toEqual({ n: 10, codes: 10 });

    const cli = await runCli(["verify", "--json"], { env: { DATABASE_URL: postgresUrl } });
    expect(cli.code, cli.stderr || cli.stdout).toBe(0);
    expect(JSON.parse(cli.stdout).ok).toBe(true);
  });

  it("a limit of 1 with stock for all: a member's four attempts at once on different servers, one succeeds", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const api = await platform.program();
    const summary = await limitRace(api, { members: 30, attemptsPerMember: 4 });
    console.info(`PostgreSQL, 3 processes, limit race: ${summary}; ${api.transportFailures.length} connection failures retried`);
    serversHealthy();
    await platform.verify();
  });

  it("the same rush mixed with reservations, confirmations and cancellations: stock stays in [0, 10] and reconciles", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const api = await platform.program();
    const { db } = database ?? {};
    if (!db) throw new Error("setup did not finish");
    const probe = async (rewardId: string) =>
      Number(
        (await sql<{ n: number }>`select stock_remaining as n from rewards where id = ${rewardId}`.execute(db)).rows[0]?.n ??
          Number.NaN,
      );
    const summary = await mixedRace(api, { members: 50, attemptsPerMember: 4, followers: 12, stock: 10, precancelled: 3 }, probe);
    console.info(`PostgreSQL, 3 processes, mixed rush: ${summary}; ${api.transportFailures.length} connection failures retried`);
    serversHealthy();
    await platform.verify();
  });

  it("redemptions and payments racing for one member's points never overspend", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program({ paymentPolicy: PAYMENT_POLICY });
    console.info(`PostgreSQL, 3 processes, one member: ${await memberRace(api)}`);
    serversHealthy();
    await platform.verify();
  });

  it("one voucher: one checkout of ten uses it; a cancel and a use never both win", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program();
    console.info(`PostgreSQL, 3 processes, vouchers: ${await voucherRace(api)}`);
    serversHealthy();
    await platform.verify();
  });

  /**
   * Left to chance, a use (one UPDATE) nearly always beats a cancel (which first locks the member)
   * on PostgreSQL. So both orders are forced too: the test holds the voucher's row lock, lets the
   * first request queue behind it, then the second, and lets go; the first in the queue wins.
   */
  it("cancel against use in both forced orders: whoever reaches the voucher first wins, never both", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    if (!database) throw new Error("setup did not finish");
    const { db } = database;
    const api = await platform.program();
    const reward = await createReward(api, { costPoints: 10, stock: 5 });
    const member = await oneMember(api, 100);
    const CANCEL = /from "vouchers" where "redemption_id" = \$1 for update/i;
    const USE = /^update "vouchers"/i;
    const forced = async (first: "cancel" | "use") => {
      const red = ok(await api.call(0, "POST", `/v1/members/${member}/redemptions`, { rewardId: reward.id }), 201);
      const cancel = () => api.call(1, "POST", `/v1/redemptions/${red.id}/cancel`, {});
      const use = () => api.call(2, "POST", `/v1/vouchers/${red.vouchers[0].code}/redeem`, { orderId: `forced-${first}` });
      const sent: { cancel?: Promise<ApiResponse>; use?: Promise<ApiResponse> } = {};
      await db.transaction().execute(async (trx) => {
        const me = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]?.pid ?? -1;
        await sql`select code from vouchers where redemption_id = ${red.id} for update`.execute(trx);
        sent[first] = first === "cancel" ? cancel() : use();
        const head = await queued(db, first === "cancel" ? CANCEL : USE, [me]);
        if (first === "cancel") sent.use = use();
        else sent.cancel = cancel();
        await queued(db, first === "cancel" ? USE : CANCEL, [me, head ?? -1]);
      });
      if (!sent.cancel || !sent.use) throw new Error("both requests should have been sent");
      const [cancelled, used] = await Promise.all([sent.cancel, sent.use]);
      return { red, cancelled, used };
    };

    const cancelFirst = await forced("cancel");
    expect([label(cancelFirst.cancelled), label(cancelFirst.used)]).toEqual(["200", "409 voucher_cancelled"]);
    expect(ok(await api.call(0, "GET", `/v1/vouchers/${cancelFirst.red.vouchers[0].code}`)).status).toBe("cancelled");
    expect(await balanceOf(api, member)).toEqual({ available: 100, held: 0 });

    const useFirst = await forced("use");
    expect([label(useFirst.cancelled), label(useFirst.used)]).toEqual(["409 voucher_used", "200"]);
    expect(ok(await api.call(0, "GET", `/v1/redemptions/${useFirst.red.id}`)).status).toBe("completed");
    expect(await balanceOf(api, member)).toEqual({ available: 90, held: 0 });
    expect(ok(await api.call(0, "GET", `/v1/rewards/${reward.id}`)).stock).toEqual({ total: 5, remaining: 4 });
    serversHealthy();
    await platform.verify();
  });

  it("the same Idempotency-Key five times at once: one redemption, the same answer", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program();
    await idempotentRace(api);
    serversHealthy();
    await platform.verify();
  });
});

// ---------------------------------------------------------------------------------------------
// A reward's stock changed while a redemption of it is in flight (PostgreSQL, a database of its own).
// ---------------------------------------------------------------------------------------------

/**
 * Holds a redemption in flight, after it read the reward and before it spends (the test keeps
 * the member's lots locked in its own open transaction), sends `change`, and lets go once the
 * change has answered or waits for a lock. Returns both answers.
 */
async function changeWhileInFlight(
  db: Database["db"],
  member: string,
  redeem: () => Promise<ApiResponse>,
  change: () => Promise<ApiResponse>,
): Promise<{ redeemed: ApiResponse; changed: ApiResponse }> {
  const sent: { redeem?: Promise<ApiResponse>; change?: Promise<ApiResponse> } = {};
  let answered = false;
  await db
    .transaction()
    .execute(async (trx) => {
      const me = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]?.pid ?? -1;
      await sql`select id from lots where member_id = ${member} for update`.execute(trx);
      sent.redeem = redeem();
      const inFlight = (await queued(db, /lots/i, [me])) ?? -1;
      sent.change = change().finally(() => {
        answered = true;
      });
      await queued(db, /"rewards"/i, [me, inFlight], () => answered);
      throw new Release();
    })
    .catch((error) => {
      if (!(error instanceof Release)) throw error;
    });
  if (!sent.redeem || !sent.change) throw new Error("both requests should have been sent");
  const [redeemed, changed] = await Promise.all([sent.redeem, sent.change]);
  return { redeemed, changed };
}

/*
 * These run on a database of their own: an oversell leaves a reward whose stock does not add up,
 * which would fail every whole-database `verify` after it, other test files' included.
 */
describe.skipIf(!postgresUrl)("a reward's stock changed while a redemption is in flight, on PostgreSQL", () => {
  const servers: ServerProcess[] = [];
  let database: Database | null = null;
  let platform: Platform;
  const admin = new pg.Client({ connectionString: postgresUrl ?? "" });
  const name = `stampbook_stock_${process.pid}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(postgresUrl ?? "");
    url.pathname = `/${name}`;
    const env = { DATABASE_URL: url.toString(), STAMPBOOK_ROOT_KEY: ROOT_KEY, DATABASE_POOL_SIZE: "4" };
    await startServers(1, { env, label: "stock-change-server" }, servers);
    const db = await openDatabase({ engine: "postgres", url: url.toString(), poolSize: 2 });
    database = db;
    platform = serverPlatform(servers, db.db);
  });

  afterAll(async () => {
    await stopServers(servers);
    await database?.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("an unlimited reward given a stock of 1: the unit in flight counts, a second member gets none", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    if (!database) throw new Error("setup did not finish");
    const api = await platform.program();
    const reward = await createReward(api, { costPoints: 10 });
    const [first, second] = await createMembers(api, 2, 100);
    const { redeemed, changed } = await changeWhileInFlight(
      database.db,
      first ?? "",
      () => api.call(0, "POST", `/v1/members/${first}/redemptions`, { rewardId: reward.id }),
      () => api.call(0, "PATCH", `/v1/rewards/${reward.id}`, { stock: 1 }),
    );
    expect([label(redeemed), label(changed)]).toEqual(["201", "200"]);
    const late = await api.call(0, "POST", `/v1/members/${second}/redemptions`, { rewardId: reward.id });
    const units = (await Promise.all([first, second].map((m) => redemptionsOf(api, m ?? "", reward.id))))
      .flat()
      .filter((r) => r.status === "completed").length;
    const stock = ok(await api.call(0, "GET", `/v1/rewards/${reward.id}`)).stock;
    expect({ units, stock, late: label(late) }).toEqual({
      units: 1,
      stock: { total: 1, remaining: 0 },
      late: "409 out_of_stock",
    });
    expectHealthy(servers);
    await platform.verify();
  });

  it("a stocked reward made unlimited: the redemption in flight is not refused as out of stock", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    if (!database) throw new Error("setup did not finish");
    const api = await platform.program();
    const reward = await createReward(api, { costPoints: 10, stock: 5 });
    const member = await oneMember(api, 100);
    const { redeemed, changed } = await changeWhileInFlight(
      database.db,
      member,
      () => api.call(0, "POST", `/v1/members/${member}/redemptions`, { rewardId: reward.id }),
      () => api.call(0, "PATCH", `/v1/rewards/${reward.id}`, { stock: null }),
    );
    expect([label(redeemed), label(changed)], JSON.stringify(redeemed.body)).toEqual(["201", "200"]);
    expect(ok(await api.call(0, "GET", `/v1/rewards/${reward.id}`)).stock).toBeNull();
    expect(await balanceOf(api, member)).toEqual({ available: 90, held: 0 });
    expectHealthy(servers);
    await platform.verify();
  });
});

// ---------------------------------------------------------------------------------------------
// In process (app.request), on PGlite and PostgreSQL, at a smaller scale.
// ---------------------------------------------------------------------------------------------

describe.each(engines())("redemptions under concurrency in process on %s", (engine) => {
  let t: TestApp;
  let platform: Platform;

  beforeAll(async () => {
    t = await startTestApp(engine);
    platform = {
      async program(input = {}) {
        const p = await t.createProgram({ timezone: "UTC", ...input });
        return makeApi(p.id, 1, (_target, method, path, body, key) =>
          t.request(method, path, { key: p.key, body, ...(key && { idempotencyKey: key }) }),
        );
      },
      async verify() {
        const report = await t.app.services.verify();
        expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
        expect(report.ok).toBe(true);
      },
    };
  });

  afterAll(async () => {
    await t?.close();
  });

  it("stock 6, 80 attempts from 20 members with a limit of 1 each: exactly 6 succeed", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program();
    const result = await stockRace(api, { members: 20, attemptsPerMember: 4, stock: 6 });
    console.info(`${engine} in process, stock race: ${result.summary}`);
    await platform.verify();
  });

  it("a limit of 1 with stock for all: a member's attempts at once, one succeeds", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program();
    console.info(`${engine} in process, limit race: ${await limitRace(api, { members: 12, attemptsPerMember: 4 })}`);
    await platform.verify();
  });

  it("the rush mixed with reservations, confirmations and cancellations reconciles", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program();
    const summary = await mixedRace(api, { members: 20, attemptsPerMember: 4, followers: 6, stock: 8, precancelled: 2 });
    console.info(`${engine} in process, mixed rush: ${summary}`);
    await platform.verify();
  });

  it("redemptions and payments racing for one member's points never overspend", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program({ paymentPolicy: PAYMENT_POLICY });
    console.info(`${engine} in process, one member: ${await memberRace(api)}`);
    await platform.verify();
  });

  it("one voucher: one checkout uses it; a cancel and a use never both win", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program();
    console.info(`${engine} in process, vouchers: ${await voucherRace(api)}`);
    await platform.verify();
  });

  it("the same Idempotency-Key five times at once: one redemption, the same answer", { timeout: TEST_TIMEOUT_MS }, async () => {
    const api = await platform.program();
    await idempotentRace(api);
    await platform.verify();
  });
});
