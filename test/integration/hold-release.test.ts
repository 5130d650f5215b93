import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, startTestApp, type TestApp } from "../helpers/test-app.ts";

/**
 * A hold that takes every point left on a lot leaves the lot at remaining 0; releasing the hold
 * (void, partial capture, time-out) must still find that lot to give the points back.
 */
describe.each(engines())("releasing a hold that emptied its lots, on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it("voids, partially captures and times out such holds", async () => {
    const p = await t.createProgram();
    const member = await p.createMember();
    expect((await p.call("POST", `/v1/members/${member}/adjustments`, { points: 100, reason: "a" })).status).toBe(201);
    expect((await p.call("POST", `/v1/members/${member}/adjustments`, { points: 50, reason: "b" })).status).toBe(201);

    const whole = await p.call("POST", `/v1/members/${member}/holds`, { points: 150 });
    expect(whole.status).toBe(201);
    const voided = await p.call("POST", `/v1/holds/${whole.body.id}/void`, {});
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect((await p.call("GET", `/v1/members/${member}/balance`)).body.available).toBe(150);

    const partial = await p.call("POST", `/v1/members/${member}/holds`, { points: 150 });
    const captured = await p.call("POST", `/v1/holds/${partial.body.id}/capture`, { points: 120 });
    expect(captured.status, JSON.stringify(captured.body)).toBe(200);
    expect((await p.call("GET", `/v1/members/${member}/balance`)).body).toMatchObject({ available: 30, held: 0 });

    const lapsing = await p.call("POST", `/v1/members/${member}/holds`, { points: 30, ttlSeconds: 60 });
    expect(lapsing.status).toBe(201);
    t.clock.advance(120_000);
    const jobs = await p.call("POST", "/v1/jobs/run", {});
    expect(jobs.status, JSON.stringify(jobs.body)).toBe(200);
    expect((await p.call("GET", `/v1/members/${member}/balance`)).body).toMatchObject({ available: 30, held: 0 });
    expect((await t.app.services.verify()).ok).toBe(true);
  });
});
