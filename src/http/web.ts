import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";
import type { AppEnv } from "./env.ts";

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "web");

/** The three apps and the URL prefix each owns; every path under a prefix gets the app's page. */
export const WEB_APPS = ["admin", "pos", "portal"] as const;

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/**
 * The pages are ours only: scripts and styles from this server, images also from https (reward
 * pictures), no framing (clickjacking), nothing sent to other sites.
 */
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-cache",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

/** Serves dist/web: hashed assets cached for a year, each app's index.html for its routes. */
export function mountWeb(app: Hono<AppEnv>, log: { warn(msg: string): void }): void {
  if (!existsSync(join(WEB_DIR, "admin", "index.html"))) {
    log.warn("The web apps are not built (dist/web): run `npm install` or `npm run build:web`");
  }
  app.get("/assets/*", async (c) => {
    const path = normalize(c.req.path).replace(/^\/+/, "");
    if (!path.startsWith("assets/") || path.includes("..")) return c.notFound();
    const type = TYPES[extname(path)];
    if (!type) return c.notFound();
    try {
      const body = await readFile(join(WEB_DIR, path));
      return c.body(body, 200, {
        "content-type": type,
        "cache-control": "public, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
      });
    } catch {
      return c.notFound();
    }
  });
  for (const name of WEB_APPS) {
    const page = async (c: Context<AppEnv>) => {
      try {
        return c.body(await readFile(join(WEB_DIR, name, "index.html")), 200, PAGE_HEADERS);
      } catch {
        return c.text("The web apps are not built: run `npm install` or `npm run build:web`", 503);
      }
    };
    app.get(`/${name}`, page);
    app.get(`/${name}/*`, page);
  }
  mountFavicon(app);
  app.get("/", (c) => c.redirect("/admin"));
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The stamp icon of all three apps: `/favicon.svg` for the pages' `<link rel="icon">`, and
 * `/favicon.ico` (16, 32 and 48 px PNGs) for browsers and tools that ask for it on their own.
 * Kept beside this file, not in dist/web, so it answers even before the web apps are built.
 */
function mountFavicon(app: Hono<AppEnv>): void {
  const icons = [
    { path: "/favicon.ico", file: "favicon.ico", type: "image/x-icon" },
    { path: "/favicon.svg", file: "favicon.svg", type: "image/svg+xml" },
  ];
  for (const icon of icons) {
    const body = readFileSync(join(HERE, icon.file));
    app.get(icon.path, (c) =>
      c.body(body, 200, {
        "content-type": icon.type,
        "cache-control": "public, max-age=86400",
        "x-content-type-options": "nosniff",
      }),
    );
  }
}
