import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { buildWeb } from "../../bin/build-web.js";
import { openDatabase } from "../../src/db/database.ts";
import { migrate } from "../../src/db/migrator.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A fresh, migrated PostgreSQL database for this run, or null when PostgreSQL is skipped. */
    postgresUrl: string | null;
    /** A migrated PGlite data directory (tar) to start embedded test databases from. */
    pgliteTemplate: string;
  }
}

const DEFAULT_URL = "postgres://root@127.0.0.1:5432/test";

function banner(lines: string[]) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = "!".repeat(width);
  console.warn(`\n${bar}\n${lines.map((l) => `! ${l.padEnd(width - 4)} !`).join("\n")}\n${bar}\n`);
}

/**
 * Once per run: a migrated PGlite template (starting PGlite from one takes a fraction of a
 * fresh initdb) and, when PostgreSQL answers, a database of its own for this run, dropped at the
 * end, so runs never see each other's data.
 */
export default async function setup(project: TestProject) {
  // The browser tests load the pages the server serves from dist/web: build them if the sources changed.
  await buildWeb({ ifStale: true, quiet: true });
  const template = await openDatabase({ engine: "pglite" });
  await migrate(template.db);
  const pgliteDump = await template.dumpDataDir?.();
  await template.close();
  const templatePath = join(tmpdir(), `stampbook-pglite-template-${process.pid}.tar`);
  if (pgliteDump) await writeFile(templatePath, Buffer.from(await pgliteDump.arrayBuffer()));
  project.provide("pgliteTemplate", pgliteDump ? templatePath : "");
  // Each run's template is its own (named by pid): remove it at the end, or /tmp fills up run by run.
  const removeTemplate = () => rm(templatePath, { force: true });

  const baseUrl = process.env.TEST_DATABASE_URL || DEFAULT_URL;
  const required = process.env.REQUIRE_POSTGRES === "1";
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (required) throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL at ${baseUrl} is not reachable: ${why}`);
    banner([
      "SKIPPING every PostgreSQL test: no server answered at",
      `${baseUrl} (${why}).`,
      "Set TEST_DATABASE_URL to run them; CI sets REQUIRE_POSTGRES=1.",
    ]);
    project.provide("postgresUrl", null);
    return removeTemplate;
  }
  const name = `stampbook_test_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ engine: "postgres", url: url.toString(), poolSize: 1 });
  await migrate(database.db);
  await database.close();
  project.provide("postgresUrl", url.toString());

  return async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await removeTemplate();
  };
}
