import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silverAndGoldOutOfReach } from "../helpers/rollup-fixtures.ts";
import { engines, type HttpResult, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * The reward report on a story told in New York, every figure worked out by hand. The window is
 * 1 to 30 March 2026 (30 days; EST until 8 March, EDT after); "now" is 31 March 12:00 UTC.
 *
 * Rewards (created 15 February, so on offer all 30 days unless said):
 *   Coffee 100 points, stock 12, vouchers valid 7 days | Mug 300, no codes | Tote 500 |
 *   Spa 2000, no codes, for the "vip" segment | Lounge 600, no codes, Gold and above |
 *   Old 50, no codes, made inactive on 15 March | Soon 100, available from 10 April |
 *   Retired 100, archived.
 *
 * Members, points by adjustment on 15 February, and what they do:
 *   R1 1350: Coffee at 23:30 on 28 Feb (04:30 UTC 1 Mar: before the window); Coffee x2 on 2 Mar
 *            (both vouchers used 3 Mar); Old on 2 Mar                                    -> 1000
 *   R2 1150: Coffee 2 Mar (voucher expires unused); Old 2 Mar                            -> 1000
 *   R3..R8 1100: Coffee (R3 2 Mar expires unused; R4 5 Mar used 6 Mar; R5 5 Mar expires
 *            unused; R6 25 Mar used 26 Mar; R7 25 Mar open; R8 23:30 on 30 Mar, open)    -> 1000
 *   R9 1300: Coffee 5 Mar, cancelled at once; Mug 10 Mar                                  -> 1000
 *   R10 1300, Gold (by hand): Mug 10 Mar                                                   -> 1000
 *   A 750: Mug 25 Mar -> 450 | B 250: reserves a Coffee now, and the reservation lapses -> 250
 *   C 90 | V1 3700, vip: Spa 10 Mar -> 1700 | V2 1900, vip | N 2500, Gold: Tote at 00:30 on
 *   31 Mar (after the window) -> 2000
 *   X 5000, blocked | H 500, 300 on hold now -> 200 | P 600 pending until 15 April -> 0 |
 *   E 800 that expired on 20 March (the jobs have not run) -> 0
 *
 * In the window: Coffee 8 redemptions (9 units, R1..R8, 100 x 9 = 900 points), Mug 3 (900),
 * Old 2 (100), Spa 1 (2000), Tote, Lounge, Soon 0. Compared (on offer, active or redeemed):
 * 0, 0, 1, 2, 3, 8 -> median (1 + 2) / 2 = 1.5.
 */

function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

const WINDOW = "from=2026-03-01&to=2026-03-30";

describe.each(engines())("reward report on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-02-15T15:00:00Z");
    p = await t.createProgram();
    // Gold is far out of reach by points: only the two members given it by hand hold it.
    const gold = await silverAndGoldOutOfReach(p);
    const reward = async (name: string, cost: number, extra: Record<string, unknown> = {}) => {
      ids[name] = ok(
        await p.call("POST", "/v1/rewards", {
          name,
          type: "free_product",
          value: { sku: name.toUpperCase() },
          costPoints: cost,
          ...extra,
        }),
        201,
      ).id;
    };
    const none = { codeFormat: { type: "none" } };
    await reward("Coffee", 100, { stock: 12, voucherValidDays: 7 });
    await reward("Mug", 300, none);
    await reward("Tote", 500);
    await reward("Spa", 2000, { ...none, segments: ["vip"] });
    await reward("Lounge", 600, { ...none, minTierId: gold });
    await reward("Old", 50, none);
    await reward("Soon", 100, { availableFrom: "2026-04-10" });
    await reward("Retired", 100, { status: "archived" });

    const member = async (name: string, points: number, extra: Record<string, unknown> = {}, credit = {}) => {
      ids[name] = await p.createMember({ name, ...extra });
      ok(await p.call("POST", `/v1/members/${ids[name]}/adjustments`, { points, reason: "Opening balance", ...credit }), 201);
    };
    await member("R1", 1350);
    await member("R2", 1150);
    for (const n of [3, 4, 5, 6, 7, 8]) await member(`R${n}`, 1100);
    await member("R9", 1300);
    await member("R10", 1300);
    await member("A", 750);
    await member("B", 250);
    await member("C", 90);
    await member("V1", 3700, { attributes: { segments: ["vip"] } });
    await member("V2", 1900, { attributes: { segments: ["vip", "staff"] } });
    await member("N", 2500);
    await member("X", 5000);
    await member("H", 500);
    await member("P", 600, {}, { availableAt: "2026-04-15T00:00:00Z" });
    await member("E", 800, {}, { expiresAt: "2026-03-20T00:00:00Z" });
    for (const who of ["R10", "N"]) {
      ok(await p.call("POST", `/v1/members/${ids[who]}/tier`, { tierId: gold, locked: true, reason: "Partner" }));
    }
    ok(await p.call("PATCH", `/v1/members/${ids.X}`, { status: "blocked" }));

    const redeem = async (who: string, what: string, extra: Record<string, unknown> = {}) =>
      ok(await p.call("POST", `/v1/members/${ids[who]}/redemptions`, { rewardId: ids[what], ...extra }), 201);
    const use = async (code: string) => ok(await p.call("POST", `/v1/vouchers/${code}/redeem`, {}));

    t.clock.set("2026-03-01T04:30:00Z"); // 23:30 on 28 February in New York
    await redeem("R1", "Coffee");
    t.clock.set("2026-03-02T15:00:00Z");
    const r1 = await redeem("R1", "Coffee", { quantity: 2 });
    await redeem("R2", "Coffee");
    await redeem("R3", "Coffee");
    await redeem("R1", "Old");
    await redeem("R2", "Old");
    t.clock.set("2026-03-03T15:00:00Z");
    for (const v of r1.vouchers) await use(v.code);
    t.clock.set("2026-03-05T15:00:00Z");
    const r4 = await redeem("R4", "Coffee");
    await redeem("R5", "Coffee");
    const undone = await redeem("R9", "Coffee");
    ok(await p.call("POST", `/v1/redemptions/${undone.id}/cancel`, {}));
    t.clock.set("2026-03-06T15:00:00Z");
    await use(r4.vouchers[0].code);
    t.clock.set("2026-03-10T15:00:00Z");
    await redeem("R9", "Mug");
    await redeem("R10", "Mug");
    await redeem("V1", "Spa");
    t.clock.set("2026-03-15T15:00:00Z");
    ok(await p.call("PATCH", `/v1/rewards/${ids.Old}`, { status: "inactive" }));
    t.clock.set("2026-03-25T15:00:00Z");
    const r6 = await redeem("R6", "Coffee");
    await redeem("R7", "Coffee");
    await redeem("A", "Mug");
    t.clock.set("2026-03-26T15:00:00Z");
    await use(r6.vouchers[0].code);
    t.clock.set("2026-03-31T03:30:00Z"); // 23:30 on 30 March: the window's last day
    await redeem("R8", "Coffee");
    t.clock.set("2026-03-31T04:30:00Z"); // 00:30 on 31 March: after it
    await redeem("N", "Tote");
    // B reserves a Coffee for a minute (a unit of stock and 100 points held) and lets it lapse;
    // H holds 300 points until after "now".
    t.clock.set("2026-03-31T11:00:00Z");
    await redeem("B", "Coffee", { reserve: true, holdSeconds: 60 });
    t.clock.set("2026-03-31T12:00:00Z");
    ok(await p.call("POST", `/v1/members/${ids.H}/holds`, { points: 300, ttlSeconds: 3600 }), 201);
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok).toBe(true);
    await t.close();
  });

  it("reports each reward's redemptions, vouchers, stock and members within reach exactly", async () => {
    const body = ok(await p.call("GET", `/v1/reports/rewards?${WINDOW}`));
    expect({ from: body.from, to: body.to, timezone: body.timezone, median: body.median }).toEqual({
      from: "2026-03-01",
      to: "2026-03-30",
      timezone: "America/New_York",
      median: 1.5,
    });
    const zero = { vouchersIssued: 0, vouchersUsed: 0, vouchersExpiredUnused: 0, vouchersOpen: 0 };
    expect(body.rewards).toEqual([
      {
        rewardId: ids.Coffee,
        name: "Coffee",
        status: "active",
        costPoints: 100,
        availability: "available",
        daysOffered: 30,
        // R1 (2 units), R2..R8: 8 redemptions, 9 units, 8 members, 9 x 100 points. R1's coffee at
        // 23:30 on 28 February is outside; R9's is cancelled; B's is a lapsed reservation.
        redemptions: 8,
        units: 9,
        members: 8,
        pointsSpent: 900,
        // 9 vouchers: used R1 x2, R4, R6 = 4; expired (issued 2 and 5 March, 7 days) R2, R3, R5 = 3;
        // open (issued 25 and 30 March) R7, R8 = 2. R9's was cancelled with its redemption.
        vouchersIssued: 9,
        vouchersUsed: 4,
        vouchersExpiredUnused: 3,
        vouchersOpen: 2,
        // 12 - 1 (28 Feb) - 9 - 1 (B's reservation) = 1 in stock, + 1 the lapsed reservation holds = 2.
        stockLeft: 2,
        unitsPerDay: 0.3, // 9 / 30
        daysOfStock: 6.7, // 2 / 0.3 = 6.67
        stockUp: true, // under 14 days
        withinReachFrom: 80,
        // Not R1..R8 (redeemed it); at least 80 points: R9, R10, A 450, B 250 (100 of it held by the
        // lapsed reservation, released), C 90, V1 1700, V2 1900, N 2000, H 200 = 9. Not X (blocked),
        // P (pending), E (expired). At least 100: all but C = 8.
        membersWithinReach: 9,
        membersCanAfford: 8,
      },
      {
        rewardId: ids.Mug,
        name: "Mug",
        status: "active",
        costPoints: 300,
        availability: "available",
        daysOffered: 30,
        redemptions: 3, // R9, R10, A
        units: 3,
        members: 3,
        pointsSpent: 900,
        ...zero, // no codes, no vouchers
        stockLeft: null,
        unitsPerDay: 0.1, // 3 / 30
        daysOfStock: null,
        stockUp: false,
        withinReachFrom: 240,
        // Not R9, R10, A; at least 240: R1..R8, B 250, V1, V2, N = 12; at least 300: all but B = 11.
        membersWithinReach: 12,
        membersCanAfford: 11,
      },
      {
        rewardId: ids.Old,
        name: "Old",
        status: "inactive",
        costPoints: 50,
        availability: "inactive",
        daysOffered: 30,
        redemptions: 2, // R1, R2 on 2 March, before it was made inactive
        units: 2,
        members: 2,
        pointsSpent: 100,
        ...zero,
        stockLeft: null,
        unitsPerDay: 0.07, // 2 / 30
        daysOfStock: null,
        stockUp: false,
        withinReachFrom: 40,
        membersWithinReach: null, // cannot be redeemed now
        membersCanAfford: null,
      },
      {
        rewardId: ids.Spa,
        name: "Spa",
        status: "active",
        costPoints: 2000,
        availability: "available",
        daysOffered: 30,
        redemptions: 1, // V1
        units: 1,
        members: 1,
        pointsSpent: 2000,
        ...zero,
        stockLeft: null,
        unitsPerDay: 0.03, // 1 / 30
        daysOfStock: null,
        stockUp: false,
        withinReachFrom: 1600,
        // vip members only, V1 having redeemed it: V2 1900 is within reach, nobody can afford it.
        // (N holds 2000 but is not vip.)
        membersWithinReach: 1,
        membersCanAfford: 0,
      },
      {
        rewardId: ids.Lounge,
        name: "Lounge",
        status: "active",
        costPoints: 600,
        availability: "available",
        daysOffered: 30,
        redemptions: 0,
        units: 0,
        members: 0,
        pointsSpent: 0,
        ...zero,
        stockLeft: null,
        unitsPerDay: 0,
        daysOfStock: null,
        stockUp: false,
        withinReachFrom: 480,
        // Gold only: N 2000 and R10 1000, both able to afford it (R1..R9, V1, V2 are not Gold).
        membersWithinReach: 2,
        membersCanAfford: 2,
      },
      {
        rewardId: ids.Soon,
        name: "Soon",
        status: "active",
        costPoints: 100,
        availability: "not_yet_available",
        daysOffered: 0, // from 10 April
        redemptions: 0,
        units: 0,
        members: 0,
        pointsSpent: 0,
        ...zero,
        stockLeft: null,
        unitsPerDay: null,
        daysOfStock: null,
        stockUp: false,
        withinReachFrom: 80,
        membersWithinReach: null,
        membersCanAfford: null,
      },
      {
        rewardId: ids.Tote,
        name: "Tote",
        status: "active",
        costPoints: 500,
        availability: "available",
        daysOffered: 30,
        redemptions: 0, // N's came at 00:30 on 31 March, after the window
        units: 0,
        members: 0,
        pointsSpent: 0,
        ...zero, // N's voucher too
        stockLeft: null,
        unitsPerDay: 0,
        daysOfStock: null,
        stockUp: false,
        withinReachFrom: 400,
        // At least 400: R1..R10, A 450, V1, V2, N 2000 = 14; at least 500: all but A = 13.
        membersWithinReach: 14,
        membersCanAfford: 13,
      },
      // Retired (archived, never redeemed) is left out.
    ]);
    // Popular: at least 3 and at least 2 x 1.5 = 3 redemptions: Coffee (8 / 1.5 = 5.3x) and Mug.
    expect(body.popular).toEqual([
      {
        rewardId: ids.Coffee,
        name: "Coffee",
        redemptions: 8,
        membersCanAfford: 8,
        reason: "8 redemptions, 5.3x the median of 1.5; its stock lasts about 6.7 days at this rate",
      },
      { rewardId: ids.Mug, name: "Mug", redemptions: 3, membersCanAfford: 11, reason: "3 redemptions, 2x the median of 1.5" },
    ]);
    // Underused: at most 1.5 / 4 = 0.375 redemptions (so none) and at least 10 able to afford it:
    // Tote (13); not Lounge (2), not Soon (not on offer).
    expect(body.underused).toEqual([
      {
        rewardId: ids.Tote,
        name: "Tote",
        redemptions: 0,
        membersCanAfford: 13,
        reason: "0 redemptions in 30 days while 13 members could afford it",
      },
    ]);
  });

  it("answers one reward per period, whether popular or underused, and any reward the programme has", async () => {
    const coffee = ok(await p.call("GET", `/v1/reports/rewards/${ids.Coffee}?${WINDOW}&interval=week`));
    expect(coffee).toMatchObject({
      from: "2026-03-01",
      to: "2026-03-30",
      interval: "week",
      timezone: "America/New_York",
      median: 1.5,
      reward: { rewardId: ids.Coffee, redemptions: 8, units: 9, stockLeft: 2, daysOfStock: 6.7, membersWithinReach: 9 },
      popular: "8 redemptions, 5.3x the median of 1.5; its stock lasts about 6.7 days at this rate",
      underused: null,
    });
    // Weeks from Monday, the first clipped to Sunday 1 March. 2-8 March: R1 x2, R2, R3 (2nd), R4, R5
    // (5th) = 5 redemptions, 6 units, 600 points; vouchers used 3rd (2) and 6th (1). 23-29: R6, R7;
    // R6's used. 30 March: R8 at 23:30.
    const none = { redemptions: 0, units: 0, members: 0, pointsSpent: 0, vouchersUsed: 0 };
    expect(coffee.series).toEqual([
      { period: "2026-03-01", ...none },
      { period: "2026-03-02", redemptions: 5, units: 6, members: 5, pointsSpent: 600, vouchersUsed: 3 },
      { period: "2026-03-09", ...none },
      { period: "2026-03-16", ...none },
      { period: "2026-03-23", redemptions: 2, units: 2, members: 2, pointsSpent: 200, vouchersUsed: 1 },
      { period: "2026-03-30", redemptions: 1, units: 1, members: 1, pointsSpent: 100, vouchersUsed: 0 },
    ]);
    const tote = ok(await p.call("GET", `/v1/reports/rewards/${ids.Tote}?${WINDOW}`));
    expect({ popular: tote.popular, underused: tote.underused, interval: tote.interval }).toEqual({
      popular: null,
      underused: "0 redemptions in 30 days while 13 members could afford it",
      interval: "day", // 30 days: by day unless asked
    });
    // The day after the window: N's Tote at 00:30 on 31 March.
    const next = ok(await p.call("GET", `/v1/reports/rewards/${ids.Tote}?from=2026-03-31&to=2026-03-31`));
    expect(next.series).toEqual([
      { period: "2026-03-31", redemptions: 1, units: 1, members: 1, pointsSpent: 500, vouchersUsed: 0 },
    ]);
    expect(next.reward).toMatchObject({ daysOffered: 1, redemptions: 1, vouchersIssued: 1, vouchersOpen: 1 });
    // Archived and left out of the list, but answered on its own.
    const retired = ok(await p.call("GET", `/v1/reports/rewards/${ids.Retired}?${WINDOW}`));
    expect(retired.reward).toMatchObject({
      status: "archived",
      availability: "archived",
      redemptions: 0,
      membersWithinReach: null,
    });
    expect(retired.series).toHaveLength(30);
  });

  it("downloads each table as CSV", async () => {
    const csv = await p.call("GET", `/v1/reports/rewards?${WINDOW}&format=csv&table=underused`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="rewards-underused-2026-03-01-2026-03-30.csv"');
    expect(csv.body).toBe(
      [
        "reward_id,name,redemptions,members_can_afford,reason",
        `${ids.Tote},Tote,0,13,0 redemptions in 30 days while 13 members could afford it`,
        "",
      ].join("\r\n"),
    );
    const table = await p.call("GET", `/v1/reports/rewards?${WINDOW}&format=csv`);
    expect((table.body as string).split("\r\n").slice(0, 2)).toEqual([
      "reward_id,name,status,availability,cost_points,days_offered,redemptions,units,members,points_spent,vouchers_issued,vouchers_used,vouchers_expired_unused,vouchers_open,stock_left,units_per_day,days_of_stock,stock_up,within_reach_from,members_within_reach,members_can_afford",
      `${ids.Coffee},Coffee,active,available,100,30,8,9,8,900,9,4,3,2,2,0.3,6.7,true,80,9,8`,
    ]);
    const series = await p.call("GET", `/v1/reports/rewards/${ids.Coffee}?${WINDOW}&interval=month&format=csv`);
    expect(series.body).toBe(
      ["period,redemptions,units,members,points_spent,vouchers_used", "2026-03-01,8,9,8,900,4", ""].join("\r\n"),
    );
  });

  it("answers the same once the jobs keep the members' balance snapshot (lapsed reservation, hold, pending and expired points)", async () => {
    const urls = [
      `/v1/reports/rewards?${WINDOW}`,
      ...Object.values(ids)
        .filter((id) => id.startsWith("rwd_"))
        .map((id) => `/v1/reports/rewards/${id}?${WINDOW}&interval=week`),
    ];
    const live = await Promise.all(urls.map(async (url) => ok(await p.call("GET", url))));
    // The snapshot is as of ten minutes ago: B's reservation had lapsed by then, H's hold was not
    // there yet, E's points had expired (unbooked) and P's are still pending.
    await t.app.services.rollups.catchUp(t.clock.now(), p.id);
    expect(await Promise.all(urls.map(async (url) => ok(await p.call("GET", url))))).toEqual(live);
    expect(live[0].rewards.find((r: { rewardId: string }) => r.rewardId === ids.Coffee).membersWithinReach).toBe(9);
  });

  it("defaults to the last 90 days and refuses bad input, unknown rewards and keys without the scope", async () => {
    const body = ok(await p.call("GET", "/v1/reports/rewards"));
    expect({ from: body.from, to: body.to }).toEqual({ from: "2026-01-01", to: "2026-03-31" });
    for (const query of ["from=2026-03-30&to=2026-03-01", "from=2020-01-01&to=2026-03-01", "interval=week", "from=2026-02-30"]) {
      const res = await p.call("GET", `/v1/reports/rewards?${query}`);
      expect({ query, status: res.status, code: res.body.error?.code }).toEqual({ query, status: 400, code: "validation_error" });
    }
    const unknown = await p.call("GET", "/v1/reports/rewards/rwd_nope");
    expect({ status: unknown.status, code: unknown.body.error.code, message: unknown.body.error.message }).toEqual({
      status: 404,
      code: "not_found",
      message: "Reward rwd_nope was not found",
    });
    const other = await t.createProgram();
    expect((await other.call("GET", `/v1/reports/rewards/${ids.Coffee}`)).status).toBe(404);
    const read = ok(await p.call("POST", "/v1/api-keys", { name: "BI", scope: "read" }), 201).secret;
    expect((await p.call("GET", `/v1/reports/rewards?${WINDOW}`, undefined, { key: read })).status).toBe(200);
    const pos = ok(await p.call("POST", "/v1/api-keys", { name: "till", scope: "pos" }), 201).secret;
    expect((await p.call("GET", "/v1/reports/rewards", undefined, { key: pos })).status).toBe(403);
    // An empty programme answers, with nothing to list.
    expect(ok(await other.call("GET", "/v1/reports/rewards"))).toMatchObject({
      median: 0,
      rewards: [],
      popular: [],
      underused: [],
    });
  });
});
