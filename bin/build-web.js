#!/usr/bin/env node
// Builds the web apps (console, point of sale, portal) into dist/web with Vite. Run by
// `npm install` (prepare) and `npm start` (prestart, with --if-stale: skipped when the sources'
// digest matches the last build's), so a clone needs no separate build command.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const webDir = join(root, "web");
const outDir = join(root, "dist", "web");
const stampFile = join(outDir, ".source-digest");

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

function digest() {
  const hash = createHash("sha256");
  const inputs = [...files(webDir), join(root, "package-lock.json")].filter((p) => existsSync(p)).sort();
  for (const path of inputs) hash.update(`${relative(root, path)}\0${statSync(path).size}\0`).update(readFileSync(path));
  return hash.digest("hex");
}

export async function buildWeb({ ifStale = false, quiet = false } = {}) {
  const current = digest();
  if (ifStale && existsSync(stampFile) && readFileSync(stampFile, "utf8") === current) return false;
  const { build } = await import("vite");
  await build({ configFile: join(webDir, "vite.config.ts"), logLevel: quiet ? "warn" : "info" });
  writeFileSync(stampFile, current);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const built = await buildWeb({ ifStale: process.argv.includes("--if-stale") });
  console.log(built ? `Web apps built into dist/web in ${Date.now() - started} ms` : "Web apps are up to date (dist/web)");
}
