import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_SEPARATORS, codeKey } from "../../src/rewards/codes.rules.ts";
import { engines, type Json, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Voucher codes are matched on their letters and digits alone, through every route that takes a
 * code (check, use, import), for generated and pool codes, on both engines; and no two codes of a
 * programme can answer to the same typing.
 */

describe.each(engines())("voucher codes typed any way on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-03-02T15:00:00Z");
  });
  afterAll(async () => {
    const report = await t.app.services.verify();
    expect(report.ok, JSON.stringify(report.checks.filter((c: Json) => !c.ok))).toBe(true);
    await t.close();
  });

  const ok = <T extends { status: number; body: Json }>(res: T, status = 200) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };
  const path = (code: string) => `/v1/vouchers/${encodeURIComponent(code)}`;
  const reward = async (p: TestProgram, body: Record<string, unknown>) =>
    ok(
      await p.call("POST", "/v1/rewards", {
        name: "Reward",
        type: "discount_amount",
        value: { amount: 500 },
        costPoints: 10,
        ...body,
      }),
      201,
    );
  const vouchersOf = async (p: TestProgram, rewardId: string, quantity: number) => {
    const m = await p.createMember({});
    ok(await p.call("POST", `/v1/members/${m}/adjustments`, { points: 1000, reason: "seed" }), 201);
    const red = ok(await p.call("POST", `/v1/members/${m}/redemptions`, { rewardId, quantity }), 201);
    return red.vouchers.map((v: Json) => v.code as string);
  };
  /** The ways a cashier types SB-A89Z-ZT43-6XSB: lower case, spaces, no dashes, a phone's dashes. */
  const typings = (code: string) => {
    const bare = code.replaceAll("-", "");
    return [
      code.toLowerCase().replaceAll("-", " "),
      bare,
      bare.toLowerCase(),
      ` ${code.replaceAll("-", "\u2013")} `,
      code.replaceAll("-", "."),
      bare.replace(/(.{3})/g, "$1 "),
    ];
  };

  it("checks and uses a generated voucher typed without dashes, with spaces, in any case", async () => {
    const p = await t.createProgram();
    const r = await reward(p, { codeFormat: { type: "generated", prefix: "SB", length: 12 } });
    const [code, second] = await vouchersOf(p, r.id, 2);
    expect(code).toMatch(/^SB-\w{4}-\w{4}-\w{4}$/);
    for (const typed of typings(code)) {
      const check = ok(await p.call("GET", path(typed)));
      expect(check).toMatchObject({ code, valid: true });
    }
    // Used with the dashes left out; a retry typed another way replays the first answer.
    const bare = code.replaceAll("-", "").toLowerCase();
    const used = ok(await p.call("POST", `${path(bare)}/redeem`, { orderId: "o-1" }, { idempotencyKey: "use-1" }));
    expect(used).toMatchObject({ code, status: "used" });
    const replay = await p.call(
      "POST",
      `${path(code.toLowerCase().replaceAll("-", " "))}/redeem`,
      { orderId: "o-1" },
      { idempotencyKey: "use-1" },
    );
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const again = await p.call("POST", `${path(code.replaceAll("-", ""))}/redeem`, { orderId: "o-2" });
    expect(again.body.error.code).toBe("voucher_used");
    // The other voucher is untouched; a near miss is still unknown, in the code as typed.
    expect(ok(await p.call("GET", path(second.replaceAll("-", "")))).valid).toBe(true);
    // One character off (a code may itself end in Q).
    const last = code.endsWith("Q") ? "R" : "Q";
    const miss = await p.call("GET", path(`${code.slice(0, -1)}${last}`.replaceAll("-", "")));
    expect(miss.status).toBe(404);
    expect((await p.call("GET", path("----"))).status).toBe(404);
    // Another programme's code is unknown however it is typed.
    const other = await t.createProgram();
    expect((await other.call("GET", path(code.replaceAll("-", "")))).status).toBe(404);
  });

  it("checks and uses an imported pool code typed without its dashes", async () => {
    const p = await t.createProgram();
    const r = await reward(p, { type: "store_credit", value: { amount: 2500 }, codeFormat: { type: "pool" } });
    ok(await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["gift-aaaa-0001", "GIFT_BBBB/0002"] }));
    const codes = await vouchersOf(p, r.id, 2);
    expect(codes.sort()).toEqual(["GIFT-AAAA-0001", "GIFT_BBBB/0002"]);
    const [a, b] = codes;
    expect(ok(await p.call("GET", path("giftaaaa0001"))).code).toBe(a);
    expect(ok(await p.call("POST", `${path("gift aaaa 0001")}/redeem`, {})).status).toBe("used");
    expect(ok(await p.call("POST", `${path("GIFT BBBB 0002")}/redeem`, {})).code).toBe(b);
  });

  it("refuses to import a code that would match another code, naming both, and writes nothing", async () => {
    const p = await t.createProgram();
    const r = await reward(p, { codeFormat: { type: "pool" } });
    ok(await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["AB-CD-1234"] }));
    const clash = await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["NEW-0001", "abcd 1234"] });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe("conflict");
    expect(clash.body.error.message).toContain("ABCD1234");
    expect(clash.body.error.message).toContain("AB-CD-1234");
    expect(clash.body.error.details).toEqual({ code: "ABCD1234", existing: "AB-CD-1234" });
    // Two lookalikes in one import.
    const inside = await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["XY-12-34", "xy.1234"] });
    expect(inside.status).toBe(409);
    expect(inside.body.error.details).toEqual({ code: "XY.1234", existing: "XY-12-34" });
    expect(inside.body.error.message).toContain("also in this import");
    expect(ok(await p.call("GET", `/v1/rewards/${r.id}`)).codesAvailable).toBe(1);
    // A code with nothing to match on.
    const empty = await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["--//--"] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain("--//--");
    // The very same code again is skipped, as before, so an import can be sent twice.
    expect(ok(await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["ab-cd-1234", "NEW-0001"] }))).toEqual({
      imported: 1,
      skipped: ["ab-cd-1234"],
      codesAvailable: 2,
    });
    // A generated voucher already issued: a pool code matching it is refused too.
    const gen = await reward(p, {});
    const [issued] = await vouchersOf(p, gen.id, 1);
    const lookalike = await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: [issued.replaceAll("-", "")] });
    expect(lookalike.status).toBe(409);
    expect(lookalike.body.error.details.existing).toBe(issued);
  });

  it("keeps one code per key in the database, whatever a writer does", async () => {
    const p = await t.createProgram();
    const r = await reward(p, { codeFormat: { type: "pool" } });
    ok(await p.call("POST", `/v1/rewards/${r.id}/codes`, { codes: ["KEY-0001"] }));
    const db = t.app.services.database.db;
    const insert = sql`insert into reward_codes (program_id, code, code_key, reward_id, created_at)
      values (${p.id}, 'KEY0001', 'KEY0001', ${r.id}, now())`;
    await expect(insert.execute(db)).rejects.toThrow(/reward_codes_code_key|unique/);
  });

  it("backfills keys with the same class of separators as the code that matches (migration 0010)", async () => {
    const migration = readFileSync(new URL("../../src/db/migrations/0010_codes_actors_stores.sql", import.meta.url), "utf8");
    expect(migration).toContain(`regexp_replace(code, '${CODE_SEPARATORS}', '', 'g')`);
    const samples = [
      "SB-A89Z-ZT43-6XSB",
      "GIFT_BBBB/0002",
      "A\u2013B\u2014C\u2212D\u2011E",
      "A\u00a0B\u3000C\tD",
      "(X)[Y]{Z}<#>!~`^|\\",
      "CAFÉ-ÄRGER",
      "ΑΒΓ.ΔΕΖ",
      "----",
    ];
    const db = t.app.services.database.db;
    for (const s of samples) {
      const { rows } = await sql<{ key: string }>`select regexp_replace(${s}::text, ${CODE_SEPARATORS}, '', 'g') as key`.execute(
        db,
      );
      expect(rows[0]?.key, s).toBe(codeKey(s));
    }
  });
});
