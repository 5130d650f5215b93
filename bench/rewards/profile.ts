import { randomUUID } from "node:crypto";
import { field, stringField } from "../ledger/load.ts";
import { type MeasuredOperation, openProfiledApp } from "../ledger/profile.ts";
import { COST_POINTS, LARGE_STOCK, PAYMENT_POLICY, STARTING_BALANCE } from "./workloads.ts";

const PROFILE_MEMBERS = 10;

/**
 * The rewards request paths without sockets or concurrency: the real app in process on the run's
 * PostgreSQL database (its own programme), one request at a time, every SQL statement timed. It
 * answers how many round trips each request makes and which statements its time goes to. The
 * voucher check is a GET, which the shared profiler does not send; its path is read in the README.
 */
export async function profileRewards(url: string, samples: number): Promise<MeasuredOperation[]> {
  const app = await openProfiledApp("postgres", url);
  try {
    const created = await app.post(app.rootKey, "/v1/programs", {
      name: "profile rewards",
      currency: "USD",
      timezone: "UTC",
      paymentPolicy: PAYMENT_POLICY,
    });
    const key = stringField(created, "apiKey", "secret");
    const reward = async (name: string, stock: number | null) =>
      stringField(
        await app.post(key, "/v1/rewards", {
          name,
          type: "discount_amount",
          value: { amount: 500 },
          costPoints: COST_POINTS,
          stock,
        }),
        "id",
      );
    const unlimited = await reward("unlimited", null);
    const stocked = await reward("stocked", LARGE_STOCK);
    const members: string[] = [];
    for (let i = 0; i < PROFILE_MEMBERS; i++) {
      const memberId = stringField(await app.post(key, "/v1/members", {}), "id");
      await app.post(key, `/v1/members/${memberId}/adjustments`, { points: STARTING_BALANCE, reason: "profile seed" });
      members.push(memberId);
    }
    const round = async (i: number) => {
      const memberId = members[i % members.length] ?? "";
      const redemptions = `/v1/members/${memberId}/redemptions`;
      const redeemed = await app.measure("redeem", () => app.post(key, redemptions, { rewardId: unlimited }, randomUUID()));
      await app.measure("redeem stocked", () => app.post(key, redemptions, { rewardId: stocked }, randomUUID()));
      const reserved = await app.measure("reserve", () =>
        app.post(key, redemptions, { rewardId: unlimited, reserve: true }, randomUUID()),
      );
      const redemptionId = stringField(reserved, "id");
      await app.measure("confirm", () => app.post(key, `/v1/redemptions/${redemptionId}/confirm`, {}, randomUUID()));
      const vouchers = field(redeemed, "vouchers");
      const code = Array.isArray(vouchers) ? stringField(vouchers[0], "code") : "";
      await app.measure("voucher use", () =>
        app.post(key, `/v1/vouchers/${code}/redeem`, { orderId: `profile-${i}` }, randomUUID()),
      );
      await app.measure("payment", () =>
        app.post(
          key,
          `/v1/members/${memberId}/payments`,
          { orderId: `profile-${randomUUID()}`, amount: COST_POINTS, currency: "USD" },
          randomUUID(),
        ),
      );
    };
    // Unmeasured rounds first: JIT, plans, caches.
    const warmup = Math.min(10, samples);
    for (let i = 0; i < warmup; i++) await round(i);
    app.reset();
    for (let i = 0; i < samples; i++) await round(warmup + i);
    return app.results();
  } finally {
    await app.close();
  }
}
