import { createRoute, OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { routePath } from "hono/route";
import type { ZodError, ZodObject, ZodType } from "zod";
import type { ApiKeyScope } from "../db/schema.ts";
import type { MutationContext, MutationResult } from "../idempotency/idempotency.service.ts";
import { fingerprint, replayedText } from "../idempotency/idempotency.service.ts";
import { withSecretsDigested } from "../idempotency/secrets.rules.ts";
import { type CsvTable, toCsv } from "../shared/csv.ts";
import { actorOf } from "../shared/principal.ts";
import { programOf, requireOwner, requireScope } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { ErrorSchema, validationError } from "./errors.ts";
import { refuseUnsafeInputAfterGuards } from "./refuse-unsafe-input.ts";

/** A router whose request validation failures answer in the one error shape. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target, undefined, (result as { data?: unknown }).data);
    },
  });
}

export type Router = ReturnType<typeof createRouter>;

export const json = <T extends ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

export const jsonBody = <T extends ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const errorResponse = (description: string) => json(ErrorSchema, description);

/** The error answers every authenticated route can give. */
export const commonErrors = {
  400: errorResponse("Invalid input (validation_error); nothing was written"),
  401: errorResponse("Missing or invalid API key (unauthorized)"),
  403: errorResponse("The key's scope does not allow this (forbidden)"),
  404: errorResponse("Not found in this programme (not_found)"),
  500: errorResponse("Unexpected failure (internal_error); nothing was written"),
} as const;

export const conflictError = {
  409: errorResponse(
    "A business rule or concurrency conflict: insufficient_points, idempotency_conflict, hold_not_active, already_reversed, not_reversible, invalid_state, member_blocked, out_of_stock, limit_reached, reward_unavailable, voucher_used, voucher_expired, voucher_cancelled, conflict",
  ),
};

export const unprocessableError = {
  422: errorResponse("A business rule refused it: referral_invalid, unprocessable"),
};

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
    .optional()
    .openapi({
      description:
        "Makes the request safe to retry: a replay with the same key and body returns the first answer (with `Idempotent-Replayed: true`); the same key with another body is 409 idempotency_conflict.",
    }),
});

export const bearer = [{ bearerAuth: [] }];

/** Each declared route's summary by `METHOD /path/{param}`, for the audit log. */
const SUMMARIES = new Map<string, string>();

/**
 * Declares a route. Handlers return a ready Response (mutations may replay a stored answer),
 * so the typed-response check of zod-openapi is waived here, once; the response schemas still
 * document the API and the tests check real responses against them.
 */
export function route<R extends RouteConfig>(
  router: Router,
  config: R,
  handler: (c: Parameters<RouteHandler<R, AppEnv>>[0]) => Promise<Response>,
) {
  if (config.summary) SUMMARIES.set(`${config.method.toUpperCase()} ${config.path}`, config.summary);
  // The edge check for unsafe input runs after the route's guards (auth is decided first: 401 and
  // 403 win over a 400), before its validation; http/app.ts leaves such requests to it.
  const guards = config.middleware === undefined ? [] : [config.middleware].flat();
  const strict = strictQuery({ ...config, middleware: [...guards, refuseUnsafeInputAfterGuards] });
  router.openapi(strict, handler as never, labelledHook(strict) as never);
}

/**
 * Query parameters a route does not know are refused (400 naming the parameter), never ignored:
 * a mistyped filter would otherwise list everything. Made strict here, once, for every route.
 */
function strictQuery<R extends RouteConfig>(config: R): R {
  const query = config.request?.query;
  if (!(query instanceof z.ZodObject)) return config;
  return { ...config, request: { ...config.request, query: query.strict() } };
}

/** The schema each validation target of a route checks, so its refusals can name fields by their labels. */
function labelledHook(config: RouteConfig) {
  const schemas: Record<string, ZodType | undefined> = {
    json: (config.request?.body?.content?.["application/json"] as { schema?: ZodType } | undefined)?.schema,
    query: config.request?.query,
    param: config.request?.params,
    header: config.request?.headers as ZodType | undefined,
  };
  // The validator hands the hook the raw input beside the result (`data`), which the types leave out.
  return (result: { success: boolean; error?: unknown; target: string }) => {
    if (!result.success) {
      const input = (result as { data?: unknown }).data;
      throw validationError(result.error as ZodError, result.target, schemas[result.target], input);
    }
  };
}

/** `/v1/members/:memberId` (as Hono matched it) -> `/v1/members/{memberId}` (as documented). */
const documentedPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

export function mutationContext(c: Context<AppEnv>, body: unknown, scope = programOf(c)): MutationContext {
  const principal = c.get("principal");
  const action = `${c.req.method} ${documentedPath(routePath(c))}`;
  const key = c.req.header("idempotency-key") ?? null;
  // A password in the body is fingerprinted by its keyed hash (salted with the scope and the
  // idempotency key), never by a plain hash a copy of the database could brute-force.
  const digest = c.get("keyedDigest");
  const hidden = withSecretsDigested(body, (secret) => digest("idempotency-secret", `${scope}\u0000${key ?? ""}\u0000${secret}`));
  return {
    scope,
    key,
    fingerprint: fingerprint(c.req.method, c.req.path, hidden),
    requestId: c.get("requestId"),
    actor: actorOf(principal),
    storeId: principal.storeId ?? null,
    route: {
      action,
      summary: SUMMARIES.get(action) ?? null,
      params: c.req.param() as Record<string, string>,
    },
  };
}

export function sendMutation(c: Context<AppEnv>, result: MutationResult): Response {
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  // A replay sends the first answer's stored text, byte for byte (its keys in their first order).
  const text = replayedText(result.body);
  if (text !== undefined) return c.body(text, result.status as 200, { "content-type": "application/json" });
  return c.json(result.body as object, result.status as 200);
}

/** A path id parameter, documented with an example of its prefix. */
export const idParam = <N extends string>(name: N, prefix: string) =>
  z.object({
    [name]: z
      .string()
      .min(1)
      .max(100)
      .openapi({ param: { name, in: "path" }, example: `${prefix}_01jx5y3k1m9t0v6h2c4d8e7f9a` }),
  } as Record<N, z.ZodString>);

interface RouteSpec {
  path: string;
  tags: string[];
  summary: string;
  description?: string;
  /** Scopes whose keys may call it, checked before the body is validated. */
  scopes: ApiKeyScope[];
  /** Staff sessions must be an owner's (staff and API keys); API keys pass on scope alone. */
  ownersOnly?: boolean;
  params?: ZodObject;
}

/** What every declared route shares: its documentation, bearer auth and guards. */
const routeHead = (spec: RouteSpec) => ({
  path: spec.path,
  tags: spec.tags,
  summary: spec.summary,
  ...(spec.description && { description: spec.description }),
  security: bearer,
  middleware: [requireScope(...spec.scopes), ...(spec.ownersOnly ? [requireOwner()] : [])],
});

type Out<T> = T extends ZodType ? z.output<T> : undefined;

/**
 * A programme-scoped mutation: bearer auth, scope guard, JSON body, `Idempotency-Key`, the common
 * error answers and a stored answer replayed on retry. `run` gets the validated body and path.
 */
export function mutationRoute<S extends RouteSpec & { body: ZodType }>(
  router: Router,
  spec: S & {
    method: "post" | "put" | "patch" | "delete";
    status: 200 | 201;
    response: ZodType;
    responseDescription: string;
  },
  run: (request: {
    body: z.output<S["body"]>;
    params: Out<S["params"]>;
    programId: string;
    ctx: MutationContext;
  }) => Promise<MutationResult>,
) {
  route(
    router,
    createRoute({
      method: spec.method,
      ...routeHead(spec),
      request: {
        ...(spec.params && { params: spec.params }),
        ...jsonBody(spec.body),
        headers: IdempotencyHeaders,
      },
      responses: {
        [spec.status]: json(spec.response, spec.responseDescription),
        ...commonErrors,
        ...conflictError,
        ...unprocessableError,
      },
    }),
    async (c) => {
      const valid = c.req.valid.bind(c.req) as (target: string) => unknown;
      const body = valid("json") as z.output<S["body"]>;
      const params = (spec.params ? valid("param") : undefined) as Out<S["params"]>;
      return sendMutation(c, await run({ body, params, programId: programOf(c), ctx: mutationContext(c, body) }));
    },
  );
}

/** A programme-scoped read: bearer auth, scope guard, validated path and query, JSON answer. */
export function readRoute<S extends RouteSpec & { query?: ZodObject }>(
  router: Router,
  spec: S & {
    response: ZodType;
    responseDescription: string;
    /**
     * The answer's tables a spreadsheet can take: `?format=csv&table=<name>` answers that table as
     * a CSV file (the first one named when `table` is left out). Money columns are written in the
     * currency of the answer's `currency` field.
     */
    csv?: Record<string, CsvTable<never, unknown>>;
  },
  run: (request: { params: Out<S["params"]>; query: Out<S["query"]>; programId: string }) => Promise<unknown>,
) {
  const tables = spec.csv ? Object.keys(spec.csv) : [];
  const [firstTable, ...otherTables] = tables;
  const query =
    firstTable === undefined
      ? spec.query
      : (spec.query ?? z.object({})).extend({
          format: z
            .enum(["json", "csv"])
            .optional()
            .openapi({ description: "json (default) or csv: one of the answer's tables as a CSV file (see `table`)" }),
          table: z
            .enum([firstTable, ...otherTables])
            .optional()
            .openapi({ description: `With format=csv, the table to download; default ${firstTable}` }),
        });
  const csvNote = firstTable === undefined ? "" : ` With \`?format=csv\`, one table as CSV (\`table\`: ${tables.join(", ")}).`;
  route(
    router,
    createRoute({
      method: "get",
      ...routeHead({ ...spec, ...(spec.description && { description: spec.description + csvNote }) }),
      request: { ...(spec.params && { params: spec.params }), ...(query && { query }) },
      responses: {
        200:
          firstTable === undefined
            ? json(spec.response, spec.responseDescription)
            : {
                content: {
                  "application/json": { schema: spec.response },
                  "text/csv": { schema: z.string().openapi({ description: "One table, header line first" }) },
                },
                description: spec.responseDescription,
              },
        ...commonErrors,
      },
    }),
    async (c) => {
      const valid = c.req.valid.bind(c.req) as (target: string) => unknown;
      const params = (spec.params ? valid("param") : undefined) as Out<S["params"]>;
      const all = (query ? valid("query") : undefined) as
        | (Record<string, unknown> & { format?: string; table?: string })
        | undefined;
      const { format, table, ...rest } = all ?? {};
      const answer = await run({
        params,
        query: (all && firstTable !== undefined ? rest : all) as Out<S["query"]>,
        programId: programOf(c),
      });
      if (format !== "csv" || !spec.csv) return c.json(answer as object);
      const name = table ?? (firstTable as string);
      const tableSpec = spec.csv[name] as CsvTable<unknown, unknown>;
      const fields = answer as { currency?: unknown; from?: unknown; to?: unknown; asOf?: unknown };
      const currency = typeof fields.currency === "string" ? fields.currency : undefined;
      const dates = [fields.from, fields.to, fields.asOf]
        .filter((d): d is string => typeof d === "string")
        .map((d) => d.slice(0, 10));
      // The report's last path word, the ids the path names (one campaign, one reward), the table
      // unless it is the report's own name, and the dates: campaigns-2026-01-01-2026-03-31.csv.
      const report = spec.path
        .split("/")
        .filter((p) => p && !p.startsWith("{"))
        .pop();
      const ids = Object.values((params ?? {}) as Record<string, unknown>).filter((v) => typeof v === "string");
      const file = [report, ...ids, ...(name === report ? [] : [name]), ...dates].join("-");
      return c.body(toCsv(answer, tableSpec, currency), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${file.replace(/[^\w.-]/g, "_")}.csv"`,
      });
    },
  );
}
