import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, startTestApp, type TestApp } from "../helpers/test-app.ts";

describe.each(engines())("smoke on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it("credits a member and reads the balance", async () => {
    const p = await t.createProgram();
    const member = await p.createMember({ email: "a@example.com" });
    const credit = await p.call("POST", `/v1/members/${member}/adjustments`, { points: 50, reason: "hello" });
    expect(credit.status).toBe(201);
    const balance = await p.call("GET", `/v1/members/${member}/balance`);
    expect(balance.body.available).toBe(50);
  });
});
