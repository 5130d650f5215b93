import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, checkPage, launchBrowser, openPage } from "../helpers/browser.ts";
import { type ServerProcess, startServer } from "../helpers/server-process.ts";

describe.runIf(browserAvailable())("web apps are served", () => {
  let browser: Browser;
  let server: ServerProcess;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "stampbook-browser-"));
    server = await startServer({ env: { STAMPBOOK_DATA_DIR: dataDir, STAMPBOOK_DEMO: "0" } });
    base = `http://localhost:${server.port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(["admin", "pos", "portal/x"])("/%s loads", async (path) => {
    const t = await openPage(browser, base);
    const res = await t.page.goto(`/${path}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    await checkPage(t, `smoke-${path.replace("/", "-")}`);
    await t.close();
  });
});
