import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, type TestApp } from "../helpers/test-app.ts";

/*
 * What the console's member page reads beyond the member itself: the referrals a member made
 * and who referred them, and the tier of each member in the member list.
 */

describe.each(engines())("console member reads on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });

  const ok = <T extends { status: number; body: Json }>(res: T, status = 200) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };

  it("lists whom a member referred, newest first a page at a time, and who referred them", async () => {
    const p = await t.createProgram();
    const referrer = ok(await p.call("POST", "/v1/members", { name: "Rita Referrer", email: "rita@example.com" }), 201);
    const first = ok(
      await p.call("POST", "/v1/members", { name: "Fred First", email: "fred@example.com", referralCode: referrer.referralCode }),
      201,
    );
    const second = ok(
      await p.call("POST", "/v1/members", { name: "Sue Second", email: "sue@example.com", referralCode: referrer.referralCode }),
      201,
    );
    const loner = await p.createMember({ email: "lone@example.com" });

    const page1 = ok(await p.call("GET", `/v1/members/${referrer.id}/referrals?limit=1`));
    expect(page1.referredBy).toBeNull();
    expect(page1.data).toHaveLength(1);
    expect(page1.data[0]).toMatchObject({
      member: { id: second.id, name: "Sue Second", email: "sue@example.com", status: "active" },
      status: "pending",
      refusedReason: null,
      referrerPoints: 0,
      refereePoints: 0,
      qualifiedAt: null,
    });
    expect(typeof page1.data[0].createdAt).toBe("string");
    expect(page1.nextCursor).toBeTruthy();
    const page2 = ok(await p.call("GET", `/v1/members/${referrer.id}/referrals?limit=1&cursor=${page1.nextCursor}`));
    expect(page2.data.map((r: Json) => r.member.id)).toEqual([first.id]);
    expect(page2.nextCursor).toBeNull();

    const referee = ok(await p.call("GET", `/v1/members/${first.id}/referrals`));
    expect(referee.data).toEqual([]);
    expect(referee.referredBy).toMatchObject({ member: { id: referrer.id, name: "Rita Referrer" }, status: "pending" });

    expect(ok(await p.call("GET", `/v1/members/${loner}/referrals`))).toEqual({ referredBy: null, data: [], nextCursor: null });
  });

  it("refuses another programme's member and an unknown one with 404", async () => {
    const p = await t.createProgram();
    const other = await t.createProgram();
    const theirs = await other.createMember({ email: "theirs@example.com" });
    expect((await p.call("GET", `/v1/members/${theirs}/referrals`)).status).toBe(404);
    expect((await p.call("GET", "/v1/members/mem_nobody/referrals")).status).toBe(404);
    const bad = await p.call("GET", `/v1/members/${theirs}/referrals?limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_error");
  });

  it("gives each member's tier of record in the member list (none: the bottom tier)", async () => {
    const p = await t.createProgram();
    const before = await p.createMember({ name: "Early Bird" });
    expect(ok(await p.call("GET", "/v1/members?q=Early")).data[0].tierId).toBeNull();
    const ladder = ok(
      await p.call("PUT", "/v1/tiers", {
        policy: { metric: "points_earned", window: { type: "lifetime" } },
        tiers: [
          { name: "Bronze", threshold: 0 },
          { name: "Gold", threshold: 1000 },
        ],
      }),
    );
    const bronze = ladder.tiers.find((tier: Json) => tier.name === "Bronze").id;
    const after = await p.createMember({ name: "Late Bird" });
    const found = ok(await p.call("GET", "/v1/members?q=Bird")).data;
    // The earlier member has no tier of record, which stands for the bottom tier.
    expect(Object.fromEntries(found.map((m: Json) => [m.id, m.tierId]))).toEqual({ [before]: null, [after]: bronze });
    expect(ok(await p.call("GET", `/v1/members/${before}/tier`)).tier.id).toBe(bronze);
  });

  it("documents the referrals route and the list's tier id in the OpenAPI document", async () => {
    const doc = ok(await t.request("GET", "/openapi.json"));
    expect(doc.paths["/v1/members/{memberId}/referrals"].get.summary).toBe("A member's referrals");
    const listed = doc.paths["/v1/members"].get.responses["200"].content["application/json"].schema;
    expect(JSON.stringify(listed)).toContain("MemberList");
    expect(JSON.stringify(doc.components.schemas.MemberList)).toContain("MemberListItem");
    expect(JSON.stringify(doc.components.schemas.MemberListItem)).toContain("tierId");
  });
});
