/**
 * Members vs other customers, members at risk and customers worth inviting on the console's Customers page,
 * in a real browser. A bookshop on the `guest` policy: 120 members with the first 120 CDNOW sample histories
 * (test/fixtures/cdnow), 120 non-members with the next 120 as guest purchases under a card token
 * (`customerRef`), three regulars who bought every week until 95 days ago and stopped (at risk), anonymous
 * guest purchases, and Jay, who bought twice as a guest under a token, joined today, claimed one receipt and
 * bought once as a member. CDNOW's last day (30 June 1998) is ten days ago. Each section shows the API's
 * figures, and the hand-built ones (the guests counted apart, Jay before and after joining, the three
 * regulars at risk) are asserted as built. Screenshots at 1366px and 390px.
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
  type WebServer,
} from "../helpers/browser.ts";
import type { Json } from "../helpers/test-app.ts";

const DAY_MS = 86_400_000;
const PHONE = { width: 390, height: 844 };
/** The machine is shared: answers after a change may take a few seconds; a fit a little longer. */
const poll = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout });

/** The CDNOW sample's customers first..last: each one's purchases (day, cents), in the file's order. */
function cdnow(first: number, last: number): Map<number, { day: string; cents: number }[]> {
  const byCustomer = new Map<number, { day: string; cents: number }[]>();
  const text = readFileSync(new URL("../fixtures/cdnow/cdnow-sample.csv", import.meta.url), "utf8");
  for (const line of text.trim().split("\n").slice(1)) {
    const [id, yyyymmdd, dollars] = line.split(",") as [string, string, string];
    const customer = Number(id);
    if (customer < first || customer > last) continue;
    const day = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
    byCustomer.set(customer, [...(byCustomer.get(customer) ?? []), { day, cents: Math.round(Number(dollars) * 100) }]);
  }
  return byCustomer;
}

const FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lia"];
const LAST = ["Abbott", "Baker", "Chen", "Diaz", "Evans", "Fox", "Gray", "Hale", "Iqbal", "Jones"];
const nameOf = (i: number) => `${FIRST[i % 12]} ${LAST[Math.floor(i / 12) % 10]}`;
const LAPSED = ["Lena Regular", "Liam Regular", "Lou Regular"];

/** The figures as the console writes them (en-US, the test browser's locale), from the API's numbers. */
const usd = (minor: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(minor / 100);
const pct = (share: number) =>
  new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(share);
const two = (n: number) => new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
const num = (n: number) => new Intl.NumberFormat("en-US").format(n);
const programmeDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
/** Today in New York (the programme's zone), YYYY-MM-DD. */
const newYorkToday = () =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(),
  );
const ymd = (day: string) => day.split("-").map((n, i) => Number(n) - (i === 1 ? 1 : 0)) as [number, number, number];
const dayBefore = (day: string, days: number) => new Date(Date.UTC(...ymd(day)) - days * DAY_MS).toISOString().slice(0, 10);
const normal = (text: string | null) => (text ?? "").replace(/\s+/g, " ").trim();

/** A table's body rows, in a region, as lists of cell texts. */
async function rows(page: Page, region: string): Promise<string[][]> {
  return page
    .getByRole("region", { name: region, exact: true })
    .locator("tbody tr")
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th, td")).map((c) => (c.textContent ?? "").trim())));
}

describe.runIf(browserAvailable())("console: members vs other customers, at risk, worth inviting", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer({ STAMPBOOK_JOBS_INTERVAL_SECONDS: "1" }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("compares members with other customers, lists members at risk and customers worth inviting", {
    timeout: 300_000,
  }, async () => {
    const program = await web.createProgram("Corner Books");
    const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    };
    await api("PATCH", "/v1/programs/current", { unknownMemberPolicy: "guest", guestClaimDays: 3650 });
    const today = newYorkToday();
    // Noon in New York, `n` days before today; CDNOW's last day (30 June 1998) is ten days ago.
    const daysAgo = (n: number) => new Date(Date.UTC(...ymd(today)) - n * DAY_MS + 17 * 3_600_000).toISOString();
    const shift = Date.UTC(...ymd(today)) - 10 * DAY_MS - Date.UTC(1998, 5, 30);
    const at = (day: string) => new Date(Date.UTC(...ymd(day)) + shift + 17 * 3_600_000).toISOString();
    await api("POST", "/v1/rules", {
      name: "A point a visit",
      trigger: "purchase",
      effect: { type: "fixed_points", points: 1 },
      inForceFrom: daysAgo(1000),
    });

    const members = cdnow(1, 120);
    const guests = cdnow(121, 240);
    expect([members.size, guests.size]).toEqual([120, 120]);
    const names = [...[...members.keys()].map((c) => nameOf(c - 1)), ...LAPSED];
    expect(new Set(names).size).toBe(names.length);
    const ids = new Map<string, string>();
    for (let i = 0; i < names.length; i += 20) {
      const chunk = names.slice(i, i + 20);
      const made = await Promise.all(
        chunk.map((name, k) => api("POST", "/v1/members", { name, email: `reader${i + k}@example.com` })),
      );
      for (const [k, m] of made.entries()) ids.set(chunk[k] as string, m.id as string);
    }
    let seq = 0;
    const send = async (events: Json[]) => {
      for (let i = 0; i < events.length; i += 500) {
        const answer = await api("POST", "/v1/events/batch", { events: events.slice(i, i + 500) });
        const refused = (answer.results as Json[]).filter((r) => r.status !== 201);
        expect(refused, JSON.stringify(refused.slice(0, 3))).toEqual([]);
      }
    };
    const purchase = (amount: number, occurredAt: string, who: Json) => ({
      id: `order-${++seq}`,
      type: "purchase",
      amount,
      occurredAt,
      ...who,
    });
    const memberPurchases = [...members].flatMap(([c, history]) =>
      history.map((p) => purchase(p.cents, at(p.day), { memberId: ids.get(nameOf(c - 1)) })),
    );
    // The regulars: every week from about 400 days ago to 95, 96 and 97 days ago, $45 to $55 a visit; then nothing.
    const regulars = LAPSED.flatMap((name, k) => {
      const out: Json[] = [];
      for (let d = 95 + k; d <= 400; d += 7)
        out.push(purchase(4500 + ((d * 7 + k * 300) % 1000), daysAgo(d), { memberId: ids.get(name) }));
      return out;
    });
    // Guests without a reference: 40 and 20 days ago in the range; 500 days ago before it.
    const anonymous = [purchase(800, daysAgo(40), {}), purchase(1250, daysAgo(20), {}), purchase(999, daysAgo(500), {})];
    // Jay as a guest under card-jay: 200 days ago (receipt R-JAY, claimed below) and 150 days ago (never claimed).
    const jay = [
      purchase(3000, daysAgo(200), { customerRef: "card-jay", receiptId: "R-JAY" }),
      purchase(2500, daysAgo(150), { customerRef: "card-jay" }),
    ];
    await send([...memberPurchases, ...regulars, ...anonymous, ...jay]);
    const jayId = (await api("POST", "/v1/members", { name: "Jay Joiner", email: "jay@example.com" })).id as string;
    expect(await api("POST", `/v1/members/${jayId}/claims`, { receiptId: "R-JAY" })).toMatchObject({ status: "claimed" });
    await send([{ id: "jay-as-member", type: "purchase", memberId: jayId, amount: 4000 }]);

    // Before the non-members' tokens: nothing to predict them from, said in words.
    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.manager, program.id);
    // The overview's "Explained further" list links here, over its own range.
    const explained = page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Customers" });
    await poll(() => explained.getAttribute("href")).toMatch(
      /^\/admin\/insights\/customers\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/,
    );
    await page.goto(`/admin/insights/customers`);
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Customers");
    const few = await web.api("GET", "/v1/insights/customers/convertible", undefined, program.key);
    expect(few.status).toBe(422);
    expect(few.body.error.details).toMatchObject({ reason: "too_few_customers", customers: 0 });
    await poll(async () => normal(await page.getByTestId("convertible-refusal").textContent())).toBe(
      "No prediction for non-members yet. The model needs at least 30 non-member customers who gave a reference (a card token or a hashed email); there are 0.",
    );
    const side = page.getByRole("region", { name: "Members and non-members side by side" });
    // The jobs may already have fitted the members' model (the nightly refit runs when none is fitted): the
    // non-members' side is what has nothing to predict from.
    await poll(async () => (await rows(page, "Members and non-members side by side")).at(-1)?.[2]).toBe(
      "The model needs at least 30 non-member customers who gave a reference (a card token or a hashed email); there are 0.",
    );
    expect(normal(await page.getByTestId("no-references").textContent())).toContain(
      "No customer outside the programme bought under a reference in these dates.",
    );
    await checkPage(t, "admin-insights-customers-compare-no-refs");

    // The non-members' purchases, then a fit of the members' model.
    await send(
      [...guests].flatMap(([c, history]) => history.map((p) => purchase(p.cents, at(p.day), { customerRef: `card-${c}` }))),
    );
    const queued = await api("POST", "/v1/insights/customer-value/fit", {});
    await poll(async () => (await api("GET", `/v1/insights/customer-value/fits/${queued.id}`)).status, 90_000).toBe("succeeded");
    await page.reload();
    await poll(() => page.getByTestId("customers").textContent()).toBe(String(members.size + LAPSED.length + 1));

    // At risk: the API's list, figure for figure, with its rule in words; the three regulars are on it.
    const atRisk = await api("GET", "/v1/insights/customers/at-risk?limit=10");
    expect(atRisk).toMatchObject({ maxProbabilityAlive: 0.5, minDrop: 0.2, lookbackDays: 90, minClvSource: "median" });
    const riskNames = (atRisk.members as Json[]).map((m) => m.name);
    expect(riskNames).toEqual(expect.arrayContaining(LAPSED));
    await poll(() => rows(page, "Members at risk")).toEqual(
      (atRisk.members as Json[]).map((m) => [
        m.name,
        programmeDay(m.lastPurchaseDay),
        num(m.daysSinceLastPurchase),
        pct(m.probabilityAliveThen),
        pct(m.probabilityAliveNow),
        usd(m.clvThen),
      ]),
    );
    expect(LAPSED.map((name) => (atRisk.members as Json[]).find((x) => x.name === name)?.daysSinceLastPurchase)).toEqual([
      95, 96, 97,
    ]);
    expect(normal(await page.getByTestId("at-risk-rule").textContent())).toBe(
      `Valuable members who may have stopped buying: chance still active under 50% and at least 20 points lower than 90 days ago, and worth at least ${usd(atRisk.minClv)} over 12 months as they stood then (${programmeDay(atRisk.thenDay)}, the median member's value). Highest value then first. Worth a win-back offer.`,
    );

    // Members and other customers over the default range (a year to today), as the API answers it.
    const to = today;
    const from = dayBefore(today, 364);
    expect(await page.getByLabel("From", { exact: true }).inputValue()).toBe(from);
    expect(await page.getByLabel("To", { exact: true }).inputValue()).toBe(to);
    const expectComparison = async (range: { from: string; to: string }) => {
      const c = await api("GET", `/v1/insights/customers/comparison?from=${range.from}&to=${range.to}`);
      const cells = (s: Json) => [
        num(s.customers),
        num(s.purchases),
        usd(s.revenue),
        two(s.purchasesPerCustomer),
        usd(s.spendPerTransaction),
        usd(s.revenuePerCustomer),
        `${pct(s.repeatRate)}${num(s.repeatCustomers)} customers`,
        s.retention === null
          ? "—none bought before"
          : `${pct(s.retention)}${num(s.retainedCustomers)} of ${num(s.previousCustomers)}`,
        `${usd(s.predictedClv.meanClv)}over ${num(s.predictedClv.valuedCustomers)} customers`,
      ];
      expect(c.members.predictedClv.status).toBe("valued");
      expect(c.nonMembers.predictedClv.status).toBe("valued");
      const want = cells(c.members).map((m, i) => [m, cells(c.nonMembers)[i]]);
      await poll(async () => (await rows(page, "Members and non-members side by side")).map((r) => r.slice(1))).toEqual(want);
      return c;
    };
    const year = await expectComparison({ from, to });
    // Built by hand: the anonymous purchases 40 and 20 days ago; Jay's unclaimed one 150 days ago; Jay before
    // joining (both guest purchases, 200 and 150 days ago) and after (the one as a member today).
    expect(year.anonymous).toEqual({ purchases: 2, revenue: 2050 });
    expect(year.joinedSince).toEqual({ purchases: 1, revenue: 2500 });
    expect(year.beforeAfterJoining.members).toBe(1);
    expect(year.beforeAfterJoining.before).toMatchObject({ purchases: 2, revenue: 5500, spendPerTransaction: 2750 });
    expect(year.beforeAfterJoining.after).toMatchObject({ purchases: 1, revenue: 4000, spendPerTransaction: 4000 });
    const firstRowHead = normal((await rows(page, "Members and non-members side by side"))[0]?.[0] ?? "");
    expect(firstRowHead).toBe("CustomersBought at least once in these dates.");
    expect(normal(await side.locator("tbody tr").nth(7).locator("th").textContent())).toBe(
      `RetentionOf the customers who bought from ${programmeDay(year.previousFrom)} to ${programmeDay(dayBefore(from, 1))} (as many days just before), the share who bought again in these dates.`,
    );
    expect(normal(await page.getByTestId("anonymous").textContent())).toBe(
      "Without a reference: 2 purchases, $20.50. They cannot be told apart by customer, so neither side counts them.",
    );
    expect(normal(await page.getByTestId("joined-since").textContent())).toMatch(
      /^By customers who have joined since: 1 purchase, \$25\.00\./,
    );
    const joining = (j: Json) =>
      j.members === 0
        ? []
        : [
            ["Before joining", j.before],
            ["After joining", j.after],
          ].map(([name, p]) => [
            name,
            num(p.purchases),
            usd(p.revenue),
            // Jay joined today: "after" is watched up to now, a fraction of a day that grows as the test runs.
            p.exposureDays < 1 ? expect.stringMatching(/^0\.\d\d$/) : two(p.exposureDays),
            p.purchasesPer30Days === null || p.exposureDays < 1 ? "—" : two(p.purchasesPer30Days),
            p.spendPerTransaction === null ? "—" : usd(p.spendPerTransaction),
          ]);
    expect(await rows(page, "Members before and after joining")).toEqual(joining(year.beforeAfterJoining));
    expect(year.beforeAfterJoining.after.exposureDays).toBeLessThan(1);
    expect(normal(await page.getByTestId("joining-short").textContent())).toBe(
      "—: watched for less than a day so far (members who joined today), too short for a rate per 30 days.",
    );
    // The chart's accessible name carries its numbers; the same numbers are in the table.
    const m = year.members;
    const n = year.nonMembers;
    const chart = page.getByRole("img", {
      name: `Bar chart, ${programmeDay(from)} to ${programmeDay(to)}: spend per transaction, members ${usd(m.spendPerTransaction)}, non-members ${usd(n.spendPerTransaction)}; purchases per customer, members ${two(m.purchasesPerCustomer)}, non-members ${two(n.purchasesPerCustomer)}.`,
      exact: true,
    });
    expect(await chart.count()).toBe(1);
    expect(await chart.locator(".recharts-bar-rectangle").count()).toBe(4);
    // One CSV per table, over the page's range, downloaded with the session's cookie.
    const csvLinks = page.getByRole("link", { name: /^Download CSV: / });
    const hrefs = await csvLinks.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    const csvPath = (table: string) => `/v1/insights/customers/comparison?from=${from}&to=${to}&format=csv&table=${table}`;
    expect(hrefs).toEqual(["sides", "guests", "joining"].map(csvPath));
    const csv = await page.request.get(csvPath("guests"));
    expect(csv.status()).toBe(200);
    expect((await csv.text()).trim().split("\r\n")).toEqual([
      "kind,purchases,revenue",
      "anonymous,2,20.50",
      "joined_since,1,25.00",
    ]);

    // Worth inviting: the API's ranking, figure for figure.
    const convertible = await api("GET", "/v1/insights/customers/convertible?limit=10");
    expect(convertible.customers).toHaveLength(10);
    expect((convertible.customers as Json[]).every((c) => /^card-\d+$/.test(c.customerRef))).toBe(true);
    await poll(() => rows(page, "Customers worth inviting")).toEqual(
      (convertible.customers as Json[]).map((c) => [
        c.customerRef,
        num(c.purchases),
        usd(c.spend),
        usd(c.clv),
        programmeDay(c.lastPurchaseDay),
      ]),
    );
    expect(await page.getByTestId("no-references").count()).toBe(0);
    await checkPage(t, "admin-insights-customers-compare-1366");

    // A shorter range: the last 90 days, in the URL, and the figures follow.
    const from90 = dayBefore(today, 89);
    await page.getByLabel("From", { exact: true }).fill(from90);
    await poll(() => new URL(page.url()).searchParams.get("from")).toBe(from90);
    const quarter = await expectComparison({ from: from90, to });
    expect(quarter.anonymous).toEqual({ purchases: 2, revenue: 2050 });
    expect(quarter.joinedSince).toEqual({ purchases: 0, revenue: 0 });
    expect(await rows(page, "Members before and after joining")).toEqual(joining(quarter.beforeAfterJoining));

    // The same page on a phone: nothing wider than the screen but the tables, which scroll in their own region.
    const narrow = await openPage(browser, web.base, PHONE);
    await narrow.page.goto(`/admin/insights/customers?program=${program.id}`);
    await signIn(narrow.page, program.manager, program.id);
    await poll(async () => (await rows(narrow.page, "Customers worth inviting")).length).toBe(10);
    await poll(async () => (await rows(narrow.page, "Members at risk")).length).toBe(riskNames.length);
    expect(await narrow.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await checkPage(narrow, "admin-insights-customers-compare-390");
    await narrow.close();

    // "All members with a low chance" opens the members list with its filter filled in.
    await page.getByRole("link", { name: "All members with a low chance" }).click();
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Members");
    expect(await page.getByLabel("Max chance still active (%)").inputValue()).toBe("50");
    await t.close();
  });
});
