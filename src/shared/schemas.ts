import { z } from "@hono/zod-openapi";

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

/** The years an as-of time may name: outside them, windows and expiry dates run off the calendar. */
export const AS_OF_YEARS = { min: 1900, max: 9999 } as const;

/**
 * An explicit as-of time (ISO 8601 with an offset), in the years 1900 to 9999 (UTC): every asOf
 * the API takes uses it, so a time the date maths cannot hold is a 400, never a 500.
 */
export const AsOfSchema = z.iso.datetime({ offset: true }).refine(
  (s) => {
    const year = new Date(s).getUTCFullYear();
    return year >= AS_OF_YEARS.min && year <= AS_OF_YEARS.max;
  },
  { message: `must be in the years ${AS_OF_YEARS.min} to ${AS_OF_YEARS.max}` },
);
