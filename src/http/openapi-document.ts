/**
 * The OpenAPI document as it is served: zod-to-openapi's, with answers told apart from requests.
 *
 * zod-to-openapi writes one component per named schema, for requests and answers alike, and a
 * field with a default is optional in it: right for a request, which may leave the field out,
 * wrong for an answer, which always has it (the server filled the default when it took the
 * value). So every schema an answer reaches has its defaulted fields required, and a component
 * that requests and answers share, if that changes it, is split in two: `X` for answers and
 * `XInput` for requests. Request schemas are otherwise left exactly as generated (they are what
 * the routes validate with).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Json> } & Record<string, Json>;
  [key: string]: Json | undefined;
}

const REF = "#/components/schemas/";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const isNode = (value: Json | undefined): value is Node =>
  value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);

/** The component names a schema refers to, directly. */
function refsOf(schema: Json, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) refsOf(item, into);
  else if (isNode(schema)) {
    const ref = schema.$ref;
    if (typeof ref === "string" && ref.startsWith(REF)) into.add(ref.slice(REF.length));
    for (const value of Object.values(schema)) refsOf(value, into);
  }
  return into;
}

/** A property that is filled in when left out: its own `default`, or one on an `allOf` part beside a $ref. */
function hasDefault(property: Json): boolean {
  if (!isNode(property)) return false;
  if (property.default !== undefined) return true;
  const parts = property.allOf;
  return Array.isArray(parts) && parts.some((part) => isNode(part) && part.$ref === undefined && part.default !== undefined);
}

/** Keys whose values are data, not schemas: nothing in them is renamed or required. */
const VALUES = new Set(["example", "examples", "default", "enum", "const"]);
/** Keys whose values map names (of properties) to schemas. */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs"]);

/**
 * Each schema in `value` (a schema, or an operation or a response holding schemas) through `each`
 * at every depth, from the leaves up, with every $ref renamed by `rename`.
 */
function mapSchemas(value: Json, rename: (name: string) => string, each: (schema: Node) => Node): Json {
  if (Array.isArray(value)) return value.map((item) => mapSchemas(item, rename, each));
  if (!isNode(value)) return value;
  const out: Node = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === "$ref" && typeof field === "string" && field.startsWith(REF)) out[key] = REF + rename(field.slice(REF.length));
    else if (VALUES.has(key)) out[key] = field;
    else if (SCHEMA_MAPS.has(key) && isNode(field)) {
      out[key] = Object.fromEntries(Object.entries(field).map(([name, schema]) => [name, mapSchemas(schema, rename, each)]));
    } else out[key] = mapSchemas(field, rename, each);
  }
  return each(out);
}

/** An object schema with its defaulted properties required: an answer always has them. */
function defaultsRequired(schema: Node): Node {
  const properties = schema.properties;
  if (!isNode(properties)) return schema;
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === "string") : []);
  for (const [name, property] of Object.entries(properties)) if (hasDefault(property)) required.add(name);
  return required.size > 0 ? { ...schema, required: [...required] } : schema;
}

/** `schema` as an answer has it: every object's defaulted properties required, at any depth, $refs renamed. */
const answerForm = (schema: Json, rename: (name: string) => string): Json => mapSchemas(schema, rename, defaultsRequired);

/** `schema` with each $ref renamed by `rename`, and nothing else changed. */
const renamed = (schema: Json, rename: (name: string) => string): Json => mapSchemas(schema, rename, (s) => s);

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/** Every component reachable from `roots` through $refs. */
function reachable(roots: Json[], components: Record<string, Json>): Set<string> {
  const seen = new Set<string>();
  const queue = roots.flatMap((root) => [...refsOf(root)]);
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const component = components[name];
    if (component !== undefined) queue.push(...refsOf(component));
  }
  return seen;
}

/** The request parts (parameters, body) and the answer parts (responses) of every operation. */
function operations(document: OpenApiDocument): { request: Node; answers: Node }[] {
  const found: { request: Node; answers: Node }[] = [];
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!isNode(operation)) continue;
      const responses = isNode(operation.responses) ? operation.responses : {};
      found.push({ request: operation, answers: responses });
    }
  }
  return found;
}

/** The document with answers' defaulted fields required and shared components split where that differs. */
export function withAnswerShapes<D extends OpenApiDocument>(document: D): D {
  const components = document.components?.schemas ?? {};
  const ops = operations(document);
  const requestRoots = ops.map(({ request }) => {
    const { responses: _answers, ...rest } = request;
    return rest as Json;
  });
  const inRequests = reachable(requestRoots, components);
  const inAnswers = reachable(
    ops.map((o) => o.answers),
    components,
  );

  // Split the shared components whose answer form differs, or that refer to one split (so that a
  // request's tree refers only to request forms); until no more need it.
  const split = new Set<string>();
  const shared = [...inAnswers].filter((name) => inRequests.has(name) && components[name] !== undefined);
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of shared) {
      if (split.has(name)) continue;
      const schema = components[name] as Json;
      const differs =
        !same(
          answerForm(schema, (n) => n),
          schema,
        ) || [...refsOf(schema)].some((n) => split.has(n));
      if (differs) {
        split.add(name);
        changed = true;
      }
    }
  }
  const inputName = (name: string) => {
    if (!split.has(name)) return name;
    const input = `${name}Input`;
    if (components[input] !== undefined) {
      throw new Error(`OpenAPI: ${name} needs a request form named ${input}, which is taken; rename one of the two schemas`);
    }
    return input;
  };
  const answerName = (name: string) => name;

  const schemas: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(components)) {
    if (inAnswers.has(name)) schemas[name] = answerForm(schema, answerName);
    else schemas[name] = renamed(schema, inputName);
    if (split.has(name)) schemas[inputName(name)] = renamed(schema, inputName);
  }

  const paths: Record<string, Record<string, Json>> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const outItem: Record<string, Json> = {};
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method) || !isNode(operation)) {
        outItem[method] = operation;
        continue;
      }
      const { responses, ...request } = operation;
      outItem[method] = {
        ...(renamed(request, inputName) as Node),
        ...(responses === undefined ? {} : { responses: answerForm(responses, answerName) }),
      };
    }
    paths[path] = outItem;
  }
  return { ...document, paths, components: { ...document.components, schemas } };
}
