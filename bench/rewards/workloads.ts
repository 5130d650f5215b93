import { randomUUID } from "node:crypto";
import { Api, type ApiResponse, failureLabel, field, isSuccess, mapLimit, type Operation, stringField } from "../ledger/load.ts";
import type { RewardsWorkload } from "./options.ts";

/** Each member's points: enough that no run spends them (a redemption costs 100, a payment 100). */
export const STARTING_BALANCE = 1_000_000_000;
/** Points per unit of the redeemed rewards, and the points of one payment (pointValue 1: 100 cents). */
export const COST_POINTS = 100;
/** The largest stock the API takes: a stocked reward that never runs out in a run. */
export const LARGE_STOCK = 1_000_000_000;
/** Vouchers per set-up redemption of the supply reward (the API's largest quantity). */
const VOUCHERS_PER_REDEMPTION = 100;
const SETUP_CONCURRENCY = 8;

/** The programme's payment policy: a point pays one cent, any share of an order. */
export const PAYMENT_POLICY = { pointValue: 1, minPoints: 1, minSharePercent: 0, maxSharePercent: 100 };

export interface RewardIds {
  /** Workload redeem: no stock. */
  unlimited: string;
  /** Workload redeem-stocked: a stock, so every redemption takes the reward's row lock. */
  stocked: string;
  /** Workload reserve-confirm: no stock, its own reward so its history stays apart. */
  twoPhase: string;
  /** Issues the vouchers the voucher workloads check and use, 100 per redemption (set-up, not measured). */
  voucherSupply: string;
}

export interface RewardsFixture {
  programId: string;
  key: string;
  memberIds: string[];
  rewards: RewardIds;
}

async function expectOk(response: Promise<ApiResponse>, what: string): Promise<unknown> {
  const answer = await response;
  if (!isSuccess(answer)) throw new Error(`${what} answered ${failureLabel(answer)}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * A programme that pays with points, its four rewards, and `members` members each seeded with
 * STARTING_BALANCE points by POST /v1/members/{id}/adjustments.
 */
export async function createFixture(origin: string, rootKey: string, members: number): Promise<RewardsFixture> {
  const root = new Api(origin, rootKey, 1);
  let key: string;
  let programId: string;
  try {
    const created = await expectOk(
      root.post("/v1/programs", { name: "bench rewards", currency: "USD", timezone: "UTC", paymentPolicy: PAYMENT_POLICY }),
      "POST /v1/programs",
    );
    key = stringField(created, "apiKey", "secret");
    programId = stringField(created, "program", "id");
  } finally {
    await root.close();
  }
  const api = new Api(origin, key, SETUP_CONCURRENCY);
  try {
    const reward = async (name: string, terms: Record<string, unknown>) =>
      stringField(
        await expectOk(
          api.post("/v1/rewards", {
            name,
            type: "discount_amount",
            value: { amount: 500 },
            costPoints: COST_POINTS,
            voucherValidDays: 365,
            ...terms,
          }),
          `POST /v1/rewards (${name})`,
        ),
        "id",
      );
    const rewards: RewardIds = {
      unlimited: await reward("$5 off, unlimited", {}),
      stocked: await reward("$5 off, stocked", { stock: LARGE_STOCK }),
      twoPhase: await reward("$5 off at the till", {}),
      voucherSupply: await reward("voucher supply", { costPoints: 1 }),
    };
    const memberIds = await mapLimit(Array.from({ length: members }), SETUP_CONCURRENCY, async (_, i) => {
      const id = stringField(await expectOk(api.post("/v1/members", { externalId: `bench-${i + 1}` }), "POST /v1/members"), "id");
      await expectOk(
        api.post(`/v1/members/${id}/adjustments`, { points: STARTING_BALANCE, reason: "bench seed" }, randomUUID()),
        `seeding ${id}`,
      );
      return id;
    });
    return { programId, key, memberIds, rewards };
  } finally {
    await api.close();
  }
}

/**
 * Issued vouchers for the voucher workloads: `all` (checked at random, used or not) and `unused`
 * (each handed to one use). Topped up between points by redemptions of 100 units of the supply reward.
 */
export class VoucherSupply {
  readonly all: string[] = [];
  readonly unused: string[] = [];

  constructor(
    private readonly origin: string,
    private readonly fixture: RewardsFixture,
  ) {}

  /** Redeems until at least `count` vouchers are unused (set-up between points, not measured). */
  async topUp(count: number): Promise<number> {
    const missing = count - this.unused.length;
    if (missing <= 0) return 0;
    const redemptions = Math.ceil(missing / VOUCHERS_PER_REDEMPTION);
    const api = new Api(this.origin, this.fixture.key, SETUP_CONCURRENCY);
    const members = this.fixture.memberIds;
    const offset = this.all.length / VOUCHERS_PER_REDEMPTION;
    try {
      await mapLimit(Array.from({ length: redemptions }), SETUP_CONCURRENCY, async (_, i) => {
        const memberId = members[(offset + i) % members.length] ?? "";
        const body = await expectOk(
          api.post(
            `/v1/members/${memberId}/redemptions`,
            { rewardId: this.fixture.rewards.voucherSupply, quantity: VOUCHERS_PER_REDEMPTION },
            randomUUID(),
          ),
          "redeeming the voucher supply",
        );
        const vouchers = field(body, "vouchers");
        if (!Array.isArray(vouchers)) throw new Error(`no vouchers in ${JSON.stringify(body)}`);
        for (const v of vouchers) {
          const code = stringField(v, "code");
          this.all.push(code);
          this.unused.push(code);
        }
      });
    } finally {
      await api.close();
    }
    return redemptions * VOUCHERS_PER_REDEMPTION;
  }
}

/** The reward a workload redeems (null: it redeems none). */
export function rewardOf(workload: RewardsWorkload, rewards: RewardIds): string | null {
  if (workload === "redeem") return rewards.unlimited;
  if (workload === "redeem-stocked") return rewards.stocked;
  if (workload === "reserve-confirm") return rewards.twoPhase;
  return null;
}

/**
 * One unit of a workload, as an integrator or a till sends it: every mutation with its own fresh
 * Idempotency-Key, on a random member of the fixture. A success is the documented status and
 * state: a redemption completed with one voucher, a reservation then its confirmation, a check that
 * names the code, a use, a payment.
 */
export function operationFor(workload: RewardsWorkload, api: Api, fixture: RewardsFixture, vouchers: VoucherSupply): Operation {
  const members = fixture.memberIds;
  const memberOf = (random: () => number) => members[Math.floor(random() * members.length)] ?? "";
  const redeem = (random: () => number, body: Record<string, unknown>) =>
    api.post(`/v1/members/${memberOf(random)}/redemptions`, body, randomUUID());

  switch (workload) {
    case "redeem":
    case "redeem-stocked":
      return async (_worker, random) => {
        const rewardId = rewardOf(workload, fixture.rewards);
        const response = await redeem(random, { rewardId });
        if (response.status !== 201) return `redeem ${failureLabel(response)}`;
        const vouchers = field(response.body, "vouchers");
        if (field(response.body, "status") !== "completed" || !Array.isArray(vouchers) || vouchers.length !== 1) {
          return "redeem: not completed with one voucher";
        }
        return null;
      };
    case "reserve-confirm":
      return async (_worker, random) => {
        const reserved = await redeem(random, { rewardId: fixture.rewards.twoPhase, reserve: true });
        if (reserved.status !== 201) return `reserve ${failureLabel(reserved)}`;
        if (field(reserved.body, "status") !== "reserved") return "reserve: not reserved";
        const id = stringField(reserved.body, "id");
        const confirmed = await api.post(`/v1/redemptions/${id}/confirm`, {}, randomUUID());
        if (confirmed.status !== 200) return `confirm ${failureLabel(confirmed)}`;
        return field(confirmed.body, "status") === "completed" ? null : "confirm: not completed";
      };
    case "voucher-check":
      return async (_worker, random) => {
        const code = vouchers.all[Math.floor(random() * vouchers.all.length)];
        if (code === undefined) return "no voucher to check";
        const response = await api.get(`/v1/vouchers/${code}`, true);
        if (response.status !== 200) return `check ${failureLabel(response)}`;
        return field(response.body, "code") === code ? null : "check: another code in the answer";
      };
    case "voucher-use":
      return async () => {
        const code = vouchers.unused.pop();
        if (code === undefined) return "no unused voucher left";
        const response = await api.post(`/v1/vouchers/${code}/redeem`, { orderId: `bench-${randomUUID()}` }, randomUUID());
        if (response.status !== 200) return `use ${failureLabel(response)}`;
        return field(response.body, "status") === "used" ? null : "use: not used";
      };
    case "payment":
      return async (_worker, random) => {
        const response = await api.post(
          `/v1/members/${memberOf(random)}/payments`,
          { orderId: `bench-${randomUUID()}`, amount: COST_POINTS, currency: "USD" },
          randomUUID(),
        );
        if (response.status !== 201) return `payment ${failureLabel(response)}`;
        return field(response.body, "points") === COST_POINTS ? null : "payment: other points than asked";
      };
  }
}
