#!/usr/bin/env node
// Run by `npm run lint`: every query lives in its domain's `*.sql.ts` (ARCHITECTURE.md, GUIDE §3),
// so services and their steps read as what they do and a domain's SQL is in one place. Fails with
// file:line for each Kysely query builder or `sql` template found in src/ outside the files allowed
// to hold queries: `*.sql.ts`, the invariant checks (`*.verify.ts`, queries by nature), src/db/
// (the engine, migrator and write batch), and tests.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src");

const ALLOWED = [/\.sql\.ts$/, /\.test\.tsx?$/, /\.verify\.ts$/, /^src\/db\//];

const QUERIES = [
  { pattern: /\.(selectFrom|insertInto|updateTable|deleteFrom|mergeInto)\(/, what: (m) => `a Kysely .${m[1]}()` },
  { pattern: /\bsql(<[^`\n]*>)?`/, what: () => "a sql`...` template" },
  { pattern: /\bsql\.(raw|join|ref|lit|id|table|val)\(/, what: (m) => `sql.${m[1]}()` },
];

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

/** A comment line (`//`, or a line of a block comment) may name a query builder without building one. */
const isComment = (line) => /^\s*(\/\/|\/?\*)/.test(line);

const failures = [];
let checked = 0;
for (const path of sources(srcDir)) {
  const file = relative(root, path).split("\\").join("/");
  if (ALLOWED.some((allowed) => allowed.test(file))) continue;
  checked++;
  for (const [i, line] of readFileSync(path, "utf8").split("\n").entries()) {
    if (isComment(line)) continue;
    for (const { pattern, what } of QUERIES) {
      const match = line.match(pattern);
      if (match) failures.push(`${file}:${i + 1}: ${what(match)} outside a *.sql.ts: move it into the folder's *.sql.ts`);
    }
  }
}

if (failures.length > 0) {
  console.error(failures.join("\n"));
  console.error(
    `\n${failures.length} quer${failures.length === 1 ? "y" : "ies"} built outside a *.sql.ts (see ARCHITECTURE.md).`,
  );
  process.exit(1);
}
console.log(`check-queries: no query built outside a *.sql.ts (${checked} files checked)`);
