import { z } from "zod";

/**
 * How a field is named to the people who fill it in: the API's validation messages name a field
 * by its label ("Phone", "Product SKU") and in plain words, while `details.issues` keep the field
 * paths and codes integrators read. Schemas attach the words with `labelled(schema, words)`;
 * the words are kept here (not in zod's global registry), so nothing of them reaches the OpenAPI
 * document.
 */
export interface FieldWords {
  /** The field's name on the forms, capitalised as at the start of a sentence. */
  label: string;
  /** Said instead of any problem with the field, when one request says it best ("Enter a phone number with its area code"). */
  ask?: string;
  /**
   * For a union: the branch the rest of the input chooses (a reward's value by the reward's
   * type), whose own problems are told instead of the union's "Invalid input".
   */
  branch?: (parent: unknown) => z.ZodType | undefined;
}

const fieldWords = new WeakMap<z.ZodType, FieldWords>();

/** Names `schema` on the forms. Call it last, after `.describe()`/`.openapi()` (they copy the schema). */
export function labelled<T extends z.ZodType>(schema: T, words: FieldWords): T {
  // A label is kept per schema object: labelling one object twice means a shared schema (DaySchema
  // ...) is being named for one form, and every other field made of it would take that name.
  const before = fieldWords.get(schema);
  if (before && before.label !== words.label) {
    throw new Error(`labelled: this schema is already "${before.label}"; label a copy (.describe()) for "${words.label}"`);
  }
  fieldWords.set(schema, words);
  return schema;
}

/** One validation problem, as the error shape's `details.issues` lists it. */
export interface ToldIssue {
  /** The field's path ("value.sku", "tiers.2.threshold"); for an unknown field or parameter, its own name. */
  path: string;
  /** The problem in plain words, to show beside the field (the label is the field's own). */
  message: string;
  code: string;
  label?: string;
}

export type Where = "body" | "query" | "path" | "header";

type Path = readonly PropertyKey[];

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: readonly z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

/** The schema itself and those it wraps (optional, nullable, default, pipe, lazy), outermost first. */
function layers(schema: z.ZodType): z.ZodType[] {
  const out: z.ZodType[] = [];
  let current: z.ZodType | undefined = schema;
  while (current && out.length < 20) {
    out.push(current);
    const def = defOf(current);
    current = def.innerType ?? def.in ?? def.getter?.();
  }
  return out;
}

const wordsOf = (schema: z.ZodType | undefined): FieldWords | undefined =>
  schema
    ? layers(schema)
        .map((s) => fieldWords.get(s))
        .find((w) => w !== undefined)
    : undefined;

/** The object shape a schema accepts, if it is (or wraps) an object. */
function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  for (const layer of schema ? layers(schema) : []) {
    if (layer instanceof z.ZodObject) return layer.shape as Record<string, z.ZodType>;
  }
  return undefined;
}

/** The schema of the field at `key` inside `schema`, looking through wrappers, arrays, records and unions. */
function child(schema: z.ZodType, key: PropertyKey): z.ZodType | undefined {
  for (const layer of layers(schema)) {
    const def = defOf(layer);
    if (layer instanceof z.ZodObject) return (layer.shape as Record<string, z.ZodType>)[String(key)];
    if (def.type === "array" && def.element) return def.element;
    if (def.type === "record" && def.valueType) return def.valueType;
    if (def.type === "union" && def.options) {
      for (const option of def.options) {
        const found = child(option, key);
        if (found) return found;
      }
    }
    if (def.type === "intersection") return (def.left && child(def.left, key)) ?? (def.right && child(def.right, key));
  }
  return undefined;
}

function schemaAt(root: z.ZodType | undefined, path: Path): z.ZodType | undefined {
  let current = root;
  for (const key of path) current = current && child(current, key);
  return current;
}

function valueAt(input: unknown, path: Path): unknown {
  let current = input;
  for (const key of path) {
    current = current !== null && typeof current === "object" ? (current as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return current;
}

/** Edit distance, for "did you mean": names are short, so the plain table is enough. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? Math.max(a.length, b.length);
}

/** The known name closest to a mistyped one, if it is close enough to be what was meant. */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(typed, name);
    if (!best || d < best.d) best = { name, d };
  }
  // Two edits (a swapped pair of letters, "emial") for names of 4 letters or more; one below that.
  return best && best.d <= (best.name.length >= 4 ? 2 : 1) ? best.name : undefined;
}

const pathText = (path: Path) => path.map(String).join(".");

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Each unknown key as its own issue, named as the caller knows it: a query parameter or a field. */
function unknownKeys(issue: z.core.$ZodIssueUnrecognizedKeys, root: z.ZodType | undefined, where: Where): Told[] {
  const known = Object.keys(shapeOf(schemaAt(root, issue.path)) ?? {});
  return issue.keys.map((key) => {
    const near = closestName(key, known);
    const hint = near ? ` (did you mean “${near}”?)` : "";
    const name = where === "query" ? "query parameter" : "field";
    const inside = issue.path.length > 0 ? `${pathText(issue.path)} has an unknown ${name}` : `Unknown ${name}`;
    return {
      issue: { path: pathText([...issue.path, key]), message: `unknown ${name}${hint}`, code: issue.code },
      sentence: `${inside} “${key}”${hint}`,
    };
  });
}

interface Told {
  issue: ToldIssue;
  /** The problem as a sentence on its own, for the error's `message`. */
  sentence: string;
}

/** The nearest field on `path` (itself included) that is a union choosing its branch, and its path. */
function branchingField(root: z.ZodType | undefined, path: Path): { at: Path; words: FieldWords } | undefined {
  for (let end = path.length; end >= 0; end--) {
    const words = wordsOf(schemaAt(root, path.slice(0, end)));
    if (words?.branch) return { at: path.slice(0, end), words };
  }
  return undefined;
}

function tell(issue: z.core.$ZodIssue, root: z.ZodType | undefined, where: Where): Told[] {
  if (issue.code === "unrecognized_keys") return unknownKeys(issue, root, where);
  const path = pathText(issue.path);
  const words = wordsOf(schemaAt(root, issue.path));
  const plain = issue.code === "invalid_union" ? "is not in a form this field takes" : issue.message;
  const message = words?.ask ?? plain;
  // A schema's own message that starts with a capital is a whole sentence already.
  const whole = issue.code === "custom" && /^[A-Z]/.test(issue.message);
  const sentence =
    words?.ask ?? (whole ? plain : words ? `${words.label} ${plain}` : path ? `${path} ${plain}` : `The ${where} ${plain}`);
  return [
    {
      issue: { path, message, code: issue.code, ...(words && { label: words.label }) },
      sentence: path && !words ? sentence : capitalise(sentence),
    },
  ];
}

/**
 * A union's problems told by the branch the rest of the input chooses: zod reports the problems of
 * whichever branch came closest (or "Invalid input"), which may not be the one the input meant.
 */
function tellBranch(at: Path, words: FieldWords, input: unknown, where: Where): Told[] | undefined {
  const branch = words.branch?.(valueAt(input, at.slice(0, -1)));
  const value = valueAt(input, at);
  const parsed = branch?.safeParse(value);
  if (!branch || !parsed || parsed.success) return undefined;
  return parsed.error.issues.flatMap((inner) =>
    tell(inner, branch, where).map((told) => ({ ...told, issue: { ...told.issue, path: pathText([...at, ...inner.path]) } })),
  );
}

/**
 * A zod error told in people's words: `message` names the first problem's field by its label
 * (or its path, when no form names it), `issues` lists every problem with its path and code.
 * `root` is the schema that refused `input` (without it, fields are named by their paths).
 */
export function tellValidation(
  error: z.ZodError,
  root: z.ZodType | undefined,
  input: unknown,
  where: Where,
): { message: string; issues: ToldIssue[] } {
  const told: Told[] = [];
  const toldBranches = new Set<string>();
  for (const issue of error.issues) {
    const branching = branchingField(root, issue.path);
    const key = branching && pathText(branching.at);
    if (branching && key !== undefined && toldBranches.has(key)) continue;
    const byBranch = branching && tellBranch(branching.at, branching.words, input, where);
    if (byBranch && key !== undefined) {
      toldBranches.add(key);
      told.push(...byBranch);
    } else told.push(...tell(issue, root, where));
  }
  // An unknown parameter first: a mistyped one ("orderTotl") is usually why another seems missing.
  if (where === "query")
    told.sort((a, b) => Number(b.issue.code === "unrecognized_keys") - Number(a.issue.code === "unrecognized_keys"));
  return {
    message: told[0]?.sentence ?? `The ${where} is not valid`,
    issues: told.map((t) => t.issue),
  };
}
