import { z } from "@hono/zod-openapi";

/**
 * `schema` or null, for a named (registered) schema. zod-to-openapi documents `.nullable()` on a
 * named schema as a bare `$ref`, losing the null, and makes the component itself nullable for
 * every other use when the nullable one is met first: the name travels with `.nullable()`. Behind
 * a lazy it does not, so this is documented `oneOf: [{$ref}, {type: "null"}]` and leaves the
 * component as it is, and it validates (and words its errors) exactly as `.nullable()` does.
 * test/integration/openapi-document.test.ts finds any `.nullable()` left on a named schema.
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.lazy(() => schema).nullable();

type WithoutDefault<F> = F extends z.ZodDefault<infer I> ? I : F;
type PatchShape<T extends z.ZodRawShape> = { [K in keyof T]: z.ZodOptional<WithoutDefault<T[K]> & z.ZodType> };

/** Every field optional and without its default, so a patch changes only what it names. */
export function patchOf<T extends z.ZodRawShape>(shape: T): z.ZodObject<PatchShape<T>, z.core.$strict> {
  const fields: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(shape)) {
    const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType);
    fields[key] = inner.optional();
  }
  return z.object(fields).strict() as unknown as z.ZodObject<PatchShape<T>, z.core.$strict>;
}

/** Cursor paging for lists: newest first, `nextCursor` from the previous page. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(100).optional().openapi({ description: "nextCursor from the previous page" }),
});

/** The years a date or time may name: outside them, windows and expiry dates run off the calendar. */
export const DATE_YEARS = { min: 1900, max: 9999 } as const;

const FIRST_INSTANT = Date.UTC(DATE_YEARS.min, 0, 1);
const END_INSTANT = Date.UTC(DATE_YEARS.max + 1, 0, 1);

const DAY_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_THEN_TIME = /^\d{4}-\d{2}-\d{2}T/;

/** Digits after the seconds' decimal point ("…:05.123Z" has 3); 0 without a fraction. */
export function fractionDigits(dateTime: string): number {
  return /T\d{2}:\d{2}:\d{2}\.(\d+)/.exec(dateTime)?.[1]?.length ?? 0;
}

/**
 * A date and time (ISO 8601 with an offset, at most milliseconds) in the years 1900 to 9999
 * (UTC): every date-time a request takes uses it, so a time the database or the date maths
 * cannot hold is a 400, never a 500 or a silently rounded time. Each check passes what another
 * check refuses, so a bad input gets one message.
 */
export const DateTimeSchema = z.iso
  .datetime({ offset: true })
  .refine((s) => fractionDigits(s) <= 3, { message: "must have at most 3 decimal places of seconds" })
  .refine(
    (s) => {
      const t = Date.parse(s);
      return !DAY_THEN_TIME.test(s) || Number.isNaN(t) || (t >= FIRST_INSTANT && t < END_INSTANT);
    },
    { message: `must be a date and time in the years ${DATE_YEARS.min} to ${DATE_YEARS.max}` },
  )
  .openapi({
    description: `ISO 8601 with an offset, at most 3 decimal places of seconds, in the years ${DATE_YEARS.min} to ${DATE_YEARS.max}`,
    example: "2026-11-23T09:30:00Z",
  });

/** A calendar day (YYYY-MM-DD, a real day: no 31 April) in the years 1900 to 9999. */
export const DaySchema = z.iso
  .date()
  .refine((s) => !DAY_SHAPE.test(s) || Number(s.slice(0, 4)) >= DATE_YEARS.min, {
    message: `must be a day in the years ${DATE_YEARS.min} to ${DATE_YEARS.max}`,
  })
  .openapi({ description: `YYYY-MM-DD, in the years ${DATE_YEARS.min} to ${DATE_YEARS.max}`, example: "2026-11-23" });

/**
 * A whole day or an instant: the day's messages for a YYYY-MM-DD input, else the date-time's,
 * rather than a union's "Invalid input".
 */
export const DayOrDateTimeSchema = z.union([DaySchema, DateTimeSchema], {
  error: (issue) => {
    if (issue.code !== "invalid_union") return undefined;
    const branch = typeof issue.input === "string" && DAY_SHAPE.test(issue.input) ? 0 : 1;
    return issue.errors[branch]?.[0]?.message;
  },
});

/** Room for any real link; longer is a mistake or an attack. */
export const URL_MAX_LENGTH = 2000;

// Whitespace and control characters: the URL parser drops CR, LF and tabs silently, so a URL
// that parses may still carry them into a page or a header.
const UNSAFE_IN_URL = /[\s\p{Cc}]/u;

/** Whether a URL is one the API stores: http(s), or a data: image when `dataImages`. */
export function isAllowedUrl(value: string, dataImages: boolean): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, pathname } = new URL(value);
  if (protocol === "http:" || protocol === "https:") return true;
  return dataImages && protocol === "data:" && /^image\/[a-z0-9.+-]+[;,]/i.test(pathname);
}

/** A link, parsed as browsers do (WHATWG URL): http or https, or with `dataImages` also a data:image/... URL. */
export function urlSchema({ dataImages = false }: { dataImages?: boolean } = {}) {
  const kinds = dataImages ? "an http(s) URL or a data:image URL" : "an http(s) URL";
  return z
    .string()
    .max(URL_MAX_LENGTH)
    .refine((s) => !UNSAFE_IN_URL.test(s), { message: "must not contain spaces, line breaks or control characters" })
    .refine((s) => UNSAFE_IN_URL.test(s) || isAllowedUrl(s, dataImages), {
      message: `must be ${kinds}, such as https://example.com/picture.png`,
    })
    .openapi({
      format: "uri",
      description: `${dataImages ? "http(s) or data:image" : "http(s)"} URL, at most ${URL_MAX_LENGTH} characters, no whitespace`,
    });
}
