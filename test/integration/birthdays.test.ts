import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, startTestApp, type TestApp, type TestProgram } from "../helpers/test-app.ts";

describe.each(engines())("birthday events from the jobs, on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-03-10T12:00:00Z");
    p = await t.createProgram({ timezone: "America/New_York" });
    const rule = await p.call("POST", "/v1/rules", {
      name: "Birthday bonus",
      trigger: "birthday",
      effect: { type: "fixed_points", points: 50 },
      limits: { perMember: { period: "year", maxAwards: 1 } },
    });
    expect(rule.status).toBe(201);
  });
  afterAll(() => t.close());

  const runJobs = async () => (await p.call("POST", "/v1/jobs/run", {})).body;
  const available = async (m: string) => (await p.call("GET", `/v1/members/${m}/balance`)).body.available;

  it("sends each member one birthday event on their birthday in programme time, once however often the jobs run", async () => {
    const member = await p.createMember({ birthDate: "1990-03-11" });
    const other = await p.createMember({ birthDate: "1990-03-12" });
    t.clock.set("2026-03-11T03:30:00Z"); // 23:30 on the 10th in New York (EDT)
    expect((await runJobs()).birthdays).toBe(0);
    t.clock.set("2026-03-11T12:00:00Z");
    expect((await runJobs()).birthdays).toBe(1);
    expect((await runJobs()).birthdays).toBe(0);
    expect(await available(member)).toBe(50);
    expect(await available(other)).toBe(0);
    const event = await p.call("GET", `/v1/events/${encodeURIComponent(`birthday:${member}:2026`)}`);
    expect(event.body).toMatchObject({ type: "birthday", memberId: member, points: 50 });
  });

  it("celebrates 29 February on the 28th in other years", async () => {
    const leap = await p.createMember({ birthDate: "2000-02-29" });
    t.clock.set("2027-02-28T15:00:00Z");
    await runJobs();
    expect(await available(leap)).toBe(50);
    expect((await t.app.services.verify()).ok).toBe(true);
  });
});
