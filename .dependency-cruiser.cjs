/**
 * Import rules checked by `npm run lint` (dependency-cruiser). The structure they keep is in
 * ARCHITECTURE.md and ../shared/GUIDE.md §3: imports never form a cycle, a domain's `*.sql.ts` is
 * used by its own folder alone, and `src/http/` (the HTTP app's plumbing) knows no domain:
 * `src/app.ts` hands it the routes and the ways to recognise callers.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "Imports form no cycle, type-only imports included (tsPreCompilationDeps below keeps them in the graph): " +
        "a cycle means two modules cannot be read, tested or changed apart.",
      from: {},
      to: { circular: true },
    },
    {
      name: "sql-owned-by-its-folder",
      severity: "error",
      comment:
        "A domain's queries (src/<domain>/*.sql.ts) are used by its own folder alone; another domain asks " +
        "that domain's service.",
      from: {
        // $1 is the importer's own folder (src/<domain>/), or for any other file its top folder or
        // name, which holds no *.sql.ts: so only a domain's own folder may import its queries.
        path: "^(src/[^/]+/|src/[^/]+$|test/|bench/|web/|bin/)",
      },
      to: { path: "[.]sql[.]ts$", pathNot: "^$1" },
    },
    {
      name: "http-imports-no-domain",
      severity: "error",
      comment:
        "src/http/ is the HTTP app's plumbing (assembly, auth, errors, OpenAPI helpers): it imports shared/, db/, " +
        "idempotency/ and config.ts only; app.ts passes it the routes and the authenticator.",
      from: { path: "^src/http/" },
      to: {
        path: "^src/",
        pathNot: ["^src/http/", "^src/shared/", "^src/db/", "^src/idempotency/", "^src/config[.]ts$"],
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    // Keep `import type` in the graph: the cycle issue 11 removed was made of type-only imports.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
