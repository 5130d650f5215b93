/**
 * Customer lifetime value in the console, in a real browser. A programme whose members are the first
 * 200 customers of the CDNOW sample (test/fixtures/cdnow: real purchase histories, 657 purchases),
 * moved in time so their last day (30 June 1998) is ten days ago, and Nora, who never bought. A manager
 * sees the empty state, is refused a fit at 29 customers in plain words, fits at 200, reads the model
 * and the member tables (the same figures the API answers: most valuable, and at risk by the at-risk list), a member's Value section, a new
 * customer's, the members list sorted and filtered by value, and refits as of an earlier day.
 * Screenshots at 1366px and 390px.
 */
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  checkPage,
  LAPTOP,
  launchBrowser,
  openPage,
  signIn,
  startWebServer,
  type WebProgram,
  type WebServer,
} from "../helpers/browser.ts";
import type { Json } from "../helpers/test-app.ts";

const DAY_MS = 86_400_000;
const PHONE = { width: 390, height: 844 };
/** The jobs run fits: every second here, so a fit asked for starts at once. */
const JOBS_INTERVAL_SECONDS = "1";
/** The machine is shared: answers after a change may take a few seconds; a fit a little longer. */
const poll = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout });

/** The CDNOW sample's first `customers` customers: each one's purchases (day, cents), in the file's order. */
function cdnow(customers: number): Map<number, { day: string; cents: number }[]> {
  const byCustomer = new Map<number, { day: string; cents: number }[]>();
  const text = readFileSync(new URL("../fixtures/cdnow/cdnow-sample.csv", import.meta.url), "utf8");
  for (const line of text.trim().split("\n").slice(1)) {
    const [id, yyyymmdd, dollars] = line.split(",") as [string, string, string];
    const customer = Number(id);
    if (customer > customers) continue;
    const day = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
    byCustomer.set(customer, [...(byCustomer.get(customer) ?? []), { day, cents: Math.round(Number(dollars) * 100) }]);
  }
  return byCustomer;
}

/** Two hundred distinct names, so the tables read like a programme's. */
const FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jun"];
const LAST = ["Abbott", "Baker", "Chen", "Diaz", "Evans", "Fox", "Gray", "Hale", "Iqbal", "Jones"];
const LAST2 = ["", " Jr"];
const nameOf = (i: number) => `${FIRST[i % 10]} ${LAST[Math.floor(i / 10) % 10]}${LAST2[Math.floor(i / 100) % 2]}`;

/** The figures as the console writes them (en-US, the test browser's locale), from the API's numbers. */
const usd = (minor: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(minor / 100);
const pct = (share: number) =>
  new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(share);
const two = (n: number) => new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
const sig4 = (n: number) => new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 }).format(n);
const days = (n: number) =>
  `${new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 }).format(n)} ${n === 1 ? "day" : "days"}`;
const programmeDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
/** Today in New York (the programme's zone), YYYY-MM-DD. */
const newYorkToday = () =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(),
  );

const ymd = (day: string) => day.split("-").map((n, i) => Number(n) - (i === 1 ? 1 : 0)) as [number, number, number];
const normal = (text: string | null) => (text ?? "").replace(/\s+/g, " ").trim();

/** A table's body rows as lists of cell texts. */
async function rows(page: Page, region: string): Promise<string[][]> {
  return page
    .getByRole("region", { name: region })
    .locator("tbody tr")
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th, td")).map((c) => (c.textContent ?? "").trim())));
}

describe.runIf(browserAvailable())("console: customer lifetime value", () => {
  let browser: Browser;
  let web: WebServer;
  let program: WebProgram;

  beforeAll(async () => {
    [web, browser] = await Promise.all([
      startWebServer({ STAMPBOOK_JOBS_INTERVAL_SECONDS: JOBS_INTERVAL_SECONDS }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("fits the model, ranks members by value and risk, and shows each member's value", { timeout: 300_000 }, async () => {
    program = await web.createProgram("Value Coffee");
    const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    };
    const histories = cdnow(200);
    const names = [...histories.keys()].map((customer) => nameOf(customer - 1));
    expect(new Set(names).size).toBe(200);
    const ids = new Map<string, string>();
    for (let i = 0; i < names.length + 1; i += 20) {
      const chunk = [...names, "Nora New"].slice(i, i + 20);
      const made = await Promise.all(
        chunk.map((name, k) => api("POST", "/v1/members", { name, email: `member${i + k}@example.com` })),
      );
      for (const [k, m] of made.entries()) ids.set(chunk[k] as string, m.id as string);
    }
    // CDNOW's last day (30 June 1998) becomes ten days ago; every purchase at noon in New York.
    const shift = Date.UTC(...ymd(newYorkToday())) - 10 * DAY_MS - Date.UTC(1998, 5, 30);
    const at = (day: string) => new Date(Date.UTC(...ymd(day)) + shift + 17 * 3_600_000).toISOString();
    // A point a visit, in force from before the first purchase: CDNOW's two $0 purchases are visits it accepts.
    await api("POST", "/v1/rules", {
      name: "A point a visit",
      trigger: "purchase",
      effect: { type: "fixed_points", points: 1 },
      inForceFrom: at("1997-01-01"),
    });
    let seq = 0;
    const purchasesOf = (customers: number[]) =>
      customers.flatMap((customer) =>
        (histories.get(customer) ?? []).map((p) => ({
          id: `order-${++seq}`,
          type: "purchase",
          memberId: ids.get(nameOf(customer - 1)),
          amount: p.cents,
          occurredAt: at(p.day),
        })),
      );
    const send = async (events: Json[]) => {
      const answer = await api("POST", "/v1/events/batch", { events });
      const refused = (answer.results as Json[]).filter((r) => r.status !== 201);
      expect(refused, JSON.stringify(refused.slice(0, 3))).toEqual([]);
    };
    const customerNumbers = [...histories.keys()];

    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.manager, program.id);

    // Before any fit: the members list has value columns with no figures, the member page says why.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Members" }).click();
    const list = page.getByRole("region", { name: "Members" });
    await poll(() => list.locator("tbody tr").count()).toBe(25);
    expect(await list.getByRole("columnheader", { name: /CLV \(12 months\)/ }).getAttribute("aria-sort")).toBe("none");
    const firstRow = (await rows(page, "Members"))[0] ?? [];
    expect(firstRow.slice(-2)).toEqual(["—", "—"]);
    await list.locator("tbody tr").first().getByRole("link").click();
    const valueSection = page.getByRole("region", { name: "Value" });
    await poll(async () => normal(await valueSection.textContent())).toContain(
      "No prediction yet: the programme's customer value model has not been fitted.",
    );

    // The Customers page with nothing fitted: what fitting does, and that the server refits nightly.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights" }).click();
    await page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Customers" }).click();
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Customers");
    const model = page.getByRole("region", { name: "No model fitted yet" });
    await poll(async () => normal(await model.textContent())).toContain("The server refits every night");
    expect(normal(await model.textContent())).toContain("how often they buy, how likely they are to stop buying");
    await checkPage(t, "admin-insights-customers-empty");

    // 29 customers: refused at once, in plain words.
    await send(purchasesOf(customerNumbers.slice(0, 29)));
    await page.getByRole("button", { name: "Fit now" }).click();
    await poll(async () => normal(await page.getByRole("alert").textContent())).toBe(
      "Not fitted. The model needs at least 30 customers who bought; this programme has 29.",
    );
    await checkPage(t, "admin-insights-customers-too-few");

    // All 200: the fit succeeds.
    await send(purchasesOf(customerNumbers.slice(29)));
    await page.getByRole("button", { name: "Fit now" }).click();
    const status = page.getByTestId("fit-status");
    await poll(async () => normal(await status.textContent()), 90_000).toMatch(
      /^Fit succeeded \(history up to \d{4}-\d{2}-\d{2}\)/,
    );
    expect(normal(await status.textContent())).toContain("200 customers");

    // The model as the API answers it, figure for figure.
    const fitted = await api("GET", "/v1/insights/customer-value");
    expect(fitted.customers).toBe(200);
    expect(fitted.asOf).toBe(newYorkToday());
    const panel = page.getByRole("region", { name: "Fitted model", exact: true });
    await poll(() => page.getByTestId("customers").textContent()).toBe("200");
    expect(await page.getByTestId("repeat-customers").textContent()).toBe(String(fitted.repeatCustomers));
    expect(await page.getByTestId("as-of").textContent()).toBe(programmeDay(fitted.asOf));
    const x = fitted.parameters;
    expect(normal(await page.getByTestId("param-purchase").textContent())).toBe(`r, αr = ${sig4(x.r)}α = ${sig4(x.alpha)} days`);
    expect(normal(await page.getByTestId("param-dropout").textContent())).toBe(`a, ba = ${sig4(x.a)}b = ${sig4(x.b)}`);
    expect(normal(await page.getByTestId("param-spend").textContent())).toBe(
      `p, q, vp = ${sig4(x.p)}q = ${sig4(x.q)}v = ${usd(x.v)}`,
    );
    const panelText = normal(await panel.textContent());
    expect(panelText).toContain(`the average customer buys about once every ${days(x.alpha / x.r)} (α ÷ r)`);
    expect(panelText).toContain(`On average ${pct(x.a / (x.a + x.b))} stop after any one purchase`);
    if (x.q > 1) expect(panelText).toContain(`spends about ${usd((x.p * x.v) / (x.q - 1))} a purchase day`);

    // Most valuable: the member list's own answers, in order, with the money and shares as written.
    const cells = (m: Json) => {
      const v = m.value;
      return [m.name, usd(v.clv), pct(v.probabilityAlive), two(v.expected90), usd(v.expectedSpend), String(v.frequency)];
    };
    const top = (await api("GET", "/v1/members?sort=-clv&limit=10")).data as Json[];
    expect(top).toHaveLength(10);
    await poll(async () => (await rows(page, "Most valuable members")).map((r) => r.slice(0, 6))).toEqual(top.map(cells));
    // At risk: the at-risk list's own answer (members whose chance fell), with the figures that put them there.
    const atRisk = (await api("GET", "/v1/insights/customers/at-risk?limit=10")).members as Json[];
    expect(atRisk.length).toBeGreaterThan(0);
    await poll(async () => rows(page, "At risk")).toEqual(
      atRisk.map((m) => [
        m.name,
        programmeDay(m.lastPurchaseDay),
        String(m.daysSinceLastPurchase),
        pct(m.probabilityAliveThen),
        pct(m.probabilityAliveNow),
        usd(m.clvThen),
      ]),
    );
    expect(normal(await page.locator("main").textContent())).toContain(
      "chance still active under 50% and at least 20 points lower than 90 days ago",
    );
    await checkPage(t, "admin-insights-customers-fitted");

    // The same page on a phone: nothing wider than the screen but the tables, which scroll in their own region.
    const narrow = await openPage(browser, web.base, PHONE);
    await narrow.page.goto(`/admin/insights/customers?program=${program.id}`);
    await signIn(narrow.page, program.manager, program.id);
    await poll(() => narrow.page.getByTestId("customers").textContent()).toBe("200");
    await poll(async () => (await rows(narrow.page, "At risk")).length).toBe(atRisk.length);
    expect(await narrow.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await checkPage(narrow, "admin-insights-customers-390");
    await narrow.close();

    // A member's Value section: the API's figures for that member.
    const best = top[0] as Json;
    await page.getByRole("region", { name: "Most valuable members" }).getByRole("link", { name: best.name }).click();
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toContain(best.name);
    const value = await api("GET", `/v1/members/${best.id}/value`);
    expect(value.basis).toBe("history");
    await poll(() => page.getByTestId("value-clv").textContent()).toBe(usd(value.clv));
    expect(await page.getByTestId("value-alive").textContent()).toBe(pct(value.probabilityAlive));
    expect(await page.getByTestId("value-spend").textContent()).toBe(usd(value.expectedSpend));
    expect(normal(await page.getByTestId("value-expected").textContent())).toBe(
      `Next 30 days${two(value.expected30)}Next 90 days${two(value.expected90)}Next 365 days${two(value.expected365)}`,
    );
    expect(normal(await page.getByTestId("value-history").textContent())).toBe(
      `Repeat purchase days${value.frequency}First to last purchase${days(value.recency)}Customer for${days(value.age)}` +
        `Average repeat purchase${value.frequency > 0 ? usd(value.monetary) : "—"}`,
    );
    expect(normal(await page.getByRole("region", { name: "Value" }).textContent())).toContain(
      `Predicted from the member's purchases up to ${programmeDay(value.asOf)}.`,
    );
    await checkPage(t, "admin-member-value");

    // Nora never bought: the figures of a newly acquired customer, said so.
    await page.goto(`/admin/members/${ids.get("Nora New")}`);
    const nora = await api("GET", `/v1/members/${ids.get("Nora New")}/value`);
    expect(nora.basis).toBe("new_customer");
    await poll(() => page.getByTestId("value-clv").textContent()).toBe(usd(nora.clv));
    const noraText = normal(await page.getByRole("region", { name: "Value" }).textContent());
    expect(noraText).toContain("so these are the figures of a newly acquired customer: the programme's averages");
    expect(noraText).toContain("No purchases by then.");
    await checkPage(t, "admin-member-value-new-customer");

    // The members list sorted by CLV (highest first), then narrowed to the at-risk ones.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Members" }).click();
    await poll(() => list.locator("tbody tr").count()).toBe(25);
    await page.getByText("Sort and filter by value").click();
    await page.getByLabel("Order").selectOption("-clv");
    await page.getByRole("button", { name: "Apply" }).click();
    await poll(() => new URL(page.url()).searchParams.get("sort")).toBe("-clv");
    const byClv = (await api("GET", "/v1/members?sort=-clv&limit=25")).data as Json[];
    await poll(async () => (await rows(page, "Members")).map((r) => [r[0], r.at(-2), r.at(-1)])).toEqual(
      byClv.map((m) => [`${m.name}`, usd(m.value.clv), pct(m.value.probabilityAlive)]),
    );
    expect(await list.getByRole("columnheader", { name: /CLV \(12 months\)/ }).getAttribute("aria-sort")).toBe("descending");
    await poll(async () => normal(await page.locator("main p.muted[aria-live]").textContent())).toBe(
      "200 members, by 12-month value, highest first",
    );
    await checkPage(t, "admin-members-by-clv");
    await page.getByLabel("Max chance still active (%)").fill("50");
    await page.getByRole("button", { name: "Apply" }).click();
    const allAtRisk = await api("GET", "/v1/members?sort=-clv&maxProbabilityAlive=0.5&limit=25");
    await poll(async () => (await rows(page, "Members")).map((r) => r[0])).toEqual((allAtRisk.data as Json[]).map((m) => m.name));
    const count = allAtRisk.total.count as number;
    expect(normal(await page.locator("main p.muted[aria-live]").textContent())).toBe(
      `${count} ${count === 1 ? "member" : "members"}, by 12-month value, highest first`,
    );
    await checkPage(t, "admin-members-at-risk");

    // Refit as of an earlier day: the page follows the fit and shows the new model's day and size.
    // 31 January 1998 in CDNOW's time.
    const earlier = at("1998-01-31").slice(0, 10);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights" }).click();
    await page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Customers" }).click();
    await poll(() => page.getByTestId("customers").textContent()).toBe("200");
    await page.getByLabel("History up to (optional)").fill(earlier);
    await page.getByRole("button", { name: "Fit now" }).click();
    await poll(async () => normal(await status.textContent()), 90_000).toMatch(
      new RegExp(`^Fit succeeded \\(history up to ${earlier}\\)`),
    );
    const refit = await api("GET", "/v1/insights/customer-value");
    expect(refit.asOf).toBe(earlier);
    await poll(() => page.getByTestId("as-of").textContent()).toBe(programmeDay(earlier));
    expect(await page.getByTestId("customers").textContent()).toBe(String(refit.customers));
    await checkPage(t, "admin-insights-customers-refit");

    // "All members with a low chance" opens the members list with that filter filled in.
    await page.getByRole("link", { name: "All members with a low chance" }).click();
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Members");
    expect(await page.getByLabel("Max chance still active (%)").inputValue()).toBe("50");
    expect(await page.getByLabel("Order").inputValue()).toBe("-clv");
    const refitAtRisk = await api("GET", "/v1/members?sort=-clv&maxProbabilityAlive=0.5&limit=25");
    await poll(async () => (await rows(page, "Members")).map((r) => r[0])).toEqual(
      (refitAtRisk.data as Json[]).map((m) => m.name),
    );
    await t.close();
  });
});
