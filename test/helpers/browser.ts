/**
 * Real pages in a real browser: playwright-core driving Debian's Chromium (/usr/bin/chromium, or
 * CHROMIUM_PATH). Without a browser the browser tests are skipped loudly, unless REQUIRE_BROWSER=1
 * (CI), which fails them instead. Every page a test opens records console errors and failed
 * requests, and `checkPage` runs the accessibility basics (axe-core's WCAG A/AA rules, labelled
 * inputs, visible focus) and saves a screenshot under test-artifacts/screenshots.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { type ChildEnv, REPO_ROOT, type ServerProcess, startServer } from "./server-process.ts";
import type { Json } from "./test-app.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const SCREENSHOTS = join(REPO_ROOT, "test-artifacts", "screenshots");

/** Whether the browser tests can run here; throws when REQUIRE_BROWSER=1 and they cannot. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.REQUIRE_BROWSER === "1") {
    throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  }
  console.warn(
    `\n!!! SKIPPING browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium; CI sets REQUIRE_BROWSER=1)\n`,
  );
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and 5xx answers seen so far. */
  problems: string[];
  /** Fails the test if the page logged an error, threw, or got a 5xx. */
  expectNoProblems(): void;
  close(): Promise<void>;
}

export const LAPTOP = { width: 1366, height: 900 };
export const TABLET = { width: 820, height: 1180 };

/**
 * A fresh browser context (its own cookies) on `baseUrl`. 4xx answers are expected in tests of
 * refusals, so the console's "Failed to load resource" lines for them are not problems.
 */
export async function openPage(browser: Browser, baseUrl: string, viewport = LAPTOP): Promise<TestPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("response", (res) => {
    if (res.status() >= 500) problems.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return {
    page,
    context,
    problems,
    expectNoProblems: () => expect(problems, "console errors, page errors or 5xx answers").toEqual([]),
    close: () => context.close(),
  };
}

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2 A and AA rules on the page as it is now: violations as readable lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource); // through DevTools, so the page's CSP stays as served
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations;
  });
  return (violations as AxeViolation[]).map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/** Every visible input, select and textarea has an accessible name (a label, aria-label or aria-labelledby). */
export async function unlabelledInputs(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll("input, select, textarea"))) {
      const input = el as HTMLInputElement;
      if (input.type === "hidden" || input.offsetParent === null) continue;
      const named =
        (input.labels && input.labels.length > 0) ||
        input.getAttribute("aria-label")?.trim() ||
        input.getAttribute("aria-labelledby");
      if (!named) out.push(input.outerHTML.slice(0, 120));
    }
    return out;
  });
}

/**
 * Presses Tab up to `steps` times: each focused element must show a visible focus indicator
 * (an outline or a box shadow). Returns the elements reached, as "tag:text" lines.
 */
export async function tabThrough(page: Page, steps = 8): Promise<string[]> {
  const reached: string[] = [];
  for (let i = 0; i < steps; i++) {
    await page.keyboard.press("Tab");
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const visible = (style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
      return {
        name: `${el.tagName.toLowerCase()}:${(el.textContent || el.getAttribute("aria-label") || (el as HTMLInputElement).name || "").trim().slice(0, 40)}`,
        visible,
      };
    });
    if (!focus) continue;
    expect(focus.visible, `focus is visible on ${focus.name}`).toBe(true);
    reached.push(focus.name);
  }
  return reached;
}

/**
 * The accessibility basics on the page as it is, then a screenshot named `name`: no axe
 * violations, every input labelled, no console errors so far.
 */
export async function checkPage(t: TestPage, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await t.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  expect(await unlabelledInputs(t.page), `unlabelled inputs on ${name}`).toEqual([]);
  expect(await axeViolations(t.page), `axe violations on ${name}`).toEqual([]);
  t.expectNoProblems();
}

export const ROOT_KEY = "browser-root-key-0123456789abcdef";

export interface WebServer {
  server: ServerProcess;
  /** http://localhost:<port>: localhost is a secure context, so the Secure session cookie is kept. */
  base: string;
  /** An API call with a key (the operator key by default); the answer's status and JSON body. */
  api(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: Json }>;
  /** A programme with an owner, a manager and a cashier (password PASSWORD each) and its admin key. */
  createProgram(name?: string): Promise<WebProgram>;
  stop(): Promise<void>;
}

export interface WebProgram {
  id: string;
  key: string;
  owner: string;
  manager: string;
  cashier: string;
}

export const PASSWORD = "correct horse battery staple";

/** A real server process on a fresh embedded database (no demo data) for browser tests. */
export async function startWebServer(env: ChildEnv = {}): Promise<WebServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "stampbook-browser-"));
  const server = await startServer({
    env: { STAMPBOOK_DATA_DIR: dataDir, STAMPBOOK_ROOT_KEY: ROOT_KEY, ...env },
    readyTimeoutMs: 180_000,
  });
  const base = `http://localhost:${server.port}`;
  const api: WebServer["api"] = async (method, path, body, key = ROOT_KEY) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  let counter = 0;
  const ok = <T>(res: { status: number; body: T }, what: string): T => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    server,
    base,
    api,
    async createProgram(name = `Programme ${++counter}`) {
      const created = ok(
        await api("POST", "/v1/programs", { name, currency: "USD", timezone: "America/New_York", country: "US" }),
        "create programme",
      );
      const id: string = created.program.id;
      const key: string = created.apiKey.secret;
      const slug = id.slice(-8).toLowerCase();
      const staff = {
        owner: `owner-${slug}@example.com`,
        manager: `manager-${slug}@example.com`,
        cashier: `cashier-${slug}@example.com`,
      };
      ok(
        await api("POST", `/v1/programs/${id}/staff`, {
          email: staff.owner,
          name: "Olivia Owner",
          role: "owner",
          password: PASSWORD,
        }),
        "owner",
      );
      ok(
        await api("POST", "/v1/staff", { email: staff.manager, name: "Max Manager", role: "manager", password: PASSWORD }, key),
        "manager",
      );
      ok(
        await api("POST", "/v1/staff", { email: staff.cashier, name: "Cass Cashier", role: "cashier", password: PASSWORD }, key),
        "cashier",
      );
      return { id, key, ...staff };
    },
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in on the console's (or the point of sale's) sign-in form, by keyboard. */
export async function signIn(page: Page, email: string, programId: string, password = PASSWORD): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  if (await page.getByLabel("Programme id").isVisible()) await page.getByLabel("Programme id").fill(programId);
  await page.getByLabel("Password").press("Enter");
}
