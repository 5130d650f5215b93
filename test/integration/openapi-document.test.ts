import { getRefId } from "@asteasolutions/zod-to-openapi";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ZodType } from "zod";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/database.ts";
import { TEST_ROOT_KEY } from "../helpers/test-app.ts";

/**
 * The OpenAPI document says what the server takes and answers, null included: a named schema used
 * as nullable admits null there and only there (never the component itself, for every other use),
 * a request may leave out a field that has a default, and an answer always has it.
 */

// biome-ignore lint/suspicious/noExplicitAny: the document is walked as plain JSON
type Doc = any;
type Schema = Record<string, unknown>;

const REF = "#/components/schemas/";
const METHODS = ["get", "put", "post", "delete", "patch"];

/** A zod schema's definition, as zod 4 keeps it (`_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, ZodType>;
  innerType?: ZodType;
  element?: ZodType;
  options?: ZodType[];
  in?: ZodType;
  out?: ZodType;
  left?: ZodType;
  right?: ZodType;
  valueType?: ZodType;
  getter?: () => ZodType;
}
const defOf = (schema: ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every zod schema reachable from `root`, once each. */
function* zodTree(root: ZodType | undefined, seen = new Set<ZodType>()): Generator<ZodType> {
  if (!root || seen.has(root)) return;
  seen.add(root);
  yield root;
  const def = defOf(root);
  const children = [
    ...Object.values(def.shape ?? {}),
    def.innerType,
    def.element,
    ...(def.options ?? []),
    def.in,
    def.out,
    def.left,
    def.right,
    def.valueType,
    def.type === "lazy" ? def.getter?.() : undefined,
  ];
  for (const child of children) yield* zodTree(child, seen);
}

/** The zod schemas of every declared route: bodies, queries, path parameters and answers. */
function routeSchemas(app: App): ZodType[] {
  const schemas: ZodType[] = [];
  for (const definition of app.http.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const { request, responses } = definition.route;
    const body = (request?.body?.content?.["application/json"] as { schema?: unknown } | undefined)?.schema;
    for (const s of [body, request?.query, request?.params]) if (s) schemas.push(s as ZodType);
    for (const response of Object.values(responses ?? {})) {
      const s = (response as { content?: Record<string, { schema?: unknown }> }).content?.["application/json"]?.schema;
      if (s) schemas.push(s as ZodType);
    }
  }
  return schemas;
}

/** Whether a document schema admits null. */
function admitsNull(doc: Doc, schema: Schema | undefined, depth = 0): boolean {
  if (!schema || depth > 20) return false;
  if (typeof schema.$ref === "string") return admitsNull(doc, doc.components.schemas[schema.$ref.slice(REF.length)], depth + 1);
  const type = schema.type;
  if (type === "null" || (Array.isArray(type) && type.includes("null"))) return true;
  for (const key of ["anyOf", "oneOf"]) {
    const parts = schema[key] as Schema[] | undefined;
    if (parts?.some((p) => admitsNull(doc, p, depth + 1))) return true;
  }
  const all = schema.allOf as Schema[] | undefined;
  if (all !== undefined) return all.every((p) => admitsNull(doc, p, depth + 1));
  // No constraint on the value at all (an unknown): null is one of its values.
  return !["type", "anyOf", "oneOf", "enum", "const", "properties", "items"].some((key) => key in schema);
}

/** A component's properties, its `allOf` parts' included (an extended schema). */
function propertiesOf(doc: Doc, schema: Schema | undefined): Record<string, Schema> {
  if (!schema) return {};
  if (typeof schema.$ref === "string") return propertiesOf(doc, doc.components.schemas[schema.$ref.slice(REF.length)]);
  const own = (schema.properties ?? {}) as Record<string, Schema>;
  const parts = ((schema.allOf ?? []) as Schema[]).map((p) => propertiesOf(doc, p));
  return Object.assign({}, ...parts, own);
}

/** Every object schema (with properties) in `schema`, through the components its $refs name, once each. */
function objectsUnder(doc: Doc, schema: unknown, into = new Map<string, Schema>(), where = "", seen = new Set<string>()) {
  if (Array.isArray(schema)) {
    for (const [i, item] of schema.entries()) objectsUnder(doc, item, into, `${where}[${i}]`, seen);
    return into;
  }
  if (schema === null || typeof schema !== "object") return into;
  const s = schema as Schema;
  if (typeof s.$ref === "string") {
    const name = s.$ref.slice(REF.length);
    if (!seen.has(name)) {
      seen.add(name);
      objectsUnder(doc, doc.components.schemas[name], into, name, seen);
    }
    return into;
  }
  if (s.properties && typeof s.properties === "object") into.set(where, s);
  for (const [key, value] of Object.entries(s)) {
    if (key === "example" || key === "default" || key === "enum") continue;
    objectsUnder(doc, value, into, `${where}.${key}`, seen);
  }
  return into;
}

const hasDefault = (property: Schema) =>
  property.default !== undefined || ((property.allOf ?? []) as Schema[]).some((p) => p.default !== undefined);

describe("the OpenAPI document", () => {
  let app: App;
  let doc: Doc;

  beforeAll(async () => {
    const database = await openDatabase({ engine: "pglite" });
    app = await createApp(loadConfig({}, { rootKey: TEST_ROOT_KEY, logLevel: "silent" }), {
      database,
      log: pino({ level: "silent" }),
    });
    doc = await (await app.http.request("/openapi.json")).json();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it("is OpenAPI 3.1, where null is a type", () => {
    expect(doc.openapi).toBe("3.1.0");
  });

  it("makes no component nullable: null is admitted where a use says so, not for every use", () => {
    const nullable = Object.entries(doc.components.schemas)
      .filter(([, schema]) => admitsNull(doc, schema as Schema))
      .map(([name]) => name);
    expect(nullable).toEqual([]);
  });

  it("admits null in every field of a named schema whose zod schema takes null", () => {
    const missing: string[] = [];
    const named = new Map<string, ZodType>();
    for (const root of routeSchemas(app)) {
      for (const schema of zodTree(root)) {
        const name = getRefId(schema);
        if (name && !named.has(name)) named.set(name, schema);
      }
    }
    for (const [name, schema] of named) {
      const shape = defOf(schema).shape;
      if (!shape) continue;
      // The answer's form and, where requests have their own (not a schema of its own name), the request's.
      const forms = named.has(`${name}Input`) ? [name] : [name, `${name}Input`];
      for (const form of forms) {
        const component = doc.components.schemas[form];
        if (!component) continue;
        const properties = propertiesOf(doc, component);
        for (const [key, field] of Object.entries(shape)) {
          if (field.safeParse(null).success && properties[key] && !admitsNull(doc, properties[key])) {
            missing.push(`${form}.${key}: ${JSON.stringify(properties[key])}`);
          }
        }
      }
    }
    expect(named.size).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it("has no .nullable() left on a named schema (orNull in src/shared/schemas.ts documents it)", () => {
    const found = new Set<string>();
    for (const root of routeSchemas(app)) {
      for (const schema of zodTree(root)) {
        const def = defOf(schema);
        const named = def.type === "nullable" && def.innerType ? getRefId(def.innerType) : undefined;
        if (named) found.add(named);
      }
    }
    expect([...found]).toEqual([]);
  });

  it("spells the known nullable uses as oneOf [$ref, null]", () => {
    const nullOf = (schema: Schema) => (schema.oneOf ?? schema.anyOf) as Schema[];
    const choices = [{ $ref: expect.any(String) }, { type: "null" }];
    const uses: [string, string, string][] = [
      ["Rule", "expiry", "ExpiryPolicy"],
      ["Tier", "pointsExpiry", "ExpiryPolicy"],
      ["Program", "referralPolicy", "ReferralPolicy"],
      ["Program", "paymentPolicy", "PaymentPolicy"],
      ["Rule", "items", "ItemsSelector"],
      ["TierLadder", "policy", "TierPolicy"],
      ["Reward", "memberLimit", "RewardLimit"],
      ["Referrals", "referredBy", "Referral"],
    ];
    for (const [component, key, named] of uses) {
      const schema = propertiesOf(doc, doc.components.schemas[component])[key] as Schema;
      expect(nullOf(schema), `${component}.${key}`).toEqual(choices);
      expect(nullOf(schema)[0]?.$ref, `${component}.${key}`).toBe(`${REF}${named}`);
    }
  });

  it("leaves a request's defaulted fields optional, and requires them in answers", () => {
    const inRequests = new Map<string, Schema>();
    const inAnswers = new Map<string, Schema>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Doc>>)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        objectsUnder(doc, op.requestBody, inRequests, `${method} ${path} body`);
        objectsUnder(doc, op.responses, inAnswers, `${method} ${path} answer`);
      }
    }
    const wrong = (objects: Map<string, Schema>, shouldRequire: boolean) =>
      [...objects].flatMap(([where, schema]) =>
        Object.entries(schema.properties as Record<string, Schema>)
          .filter(
            ([key, p]) => hasDefault(p) && ((schema.required as string[] | undefined) ?? []).includes(key) !== shouldRequire,
          )
          .map(([key]) => `${where}.${key}`),
      );
    expect(inRequests.size).toBeGreaterThan(20);
    expect(inAnswers.size).toBeGreaterThan(20);
    expect(wrong(inRequests, false)).toEqual([]);
    expect(wrong(inAnswers, true)).toEqual([]);

    // The shared schemas in their two forms: an answer's expiry always says how it rounds.
    const fixed = (name: string) => doc.components.schemas[name].oneOf[1];
    expect(fixed("ExpiryPolicy").required).toContain("roundTo");
    expect(fixed("ExpiryPolicyInput").required).not.toContain("roundTo");
    expect(doc.components.schemas.CreateProgram.properties.referralPolicy.oneOf[0]).toEqual({
      $ref: `${REF}ReferralPolicyInput`,
    });
    expect(doc.components.schemas.CreateProgram.required).not.toContain("pendingDays");
  });
});
