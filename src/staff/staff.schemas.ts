import { z } from "@hono/zod-openapi";

const role = z
  .enum(["owner", "manager", "cashier"])
  .describe("owner: everything, staff and keys; manager: programme design, members, reports; cashier: the point of sale");

const password = z.string().min(12, "must be at least 12 characters").max(200);

export const CreateStaffSchema = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200).optional(),
    role,
    password,
  })
  .strict()
  .openapi("CreateStaff");

export const StaffSchema = z
  .object({
    id: z.string().openapi({ example: "stf_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    programId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role,
    status: z.enum(["active", "disabled"]),
    lastSignInAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi("Staff");

export const UpdateStaffSchema = z
  .object({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    role: role.optional(),
    status: z.enum(["active", "disabled"]).optional().describe("disabled: cannot sign in; the account's sessions end at once"),
  })
  .strict()
  .openapi("UpdateStaff");

export const SetPasswordSchema = z.object({ password }).strict().openapi("SetStaffPassword");

export const SignInSchema = z
  .object({
    programId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe(
        "Needed only when the email has accounts in several programmes that this password opens (then a 400 with an issue at programId lists them)",
      ),
    email: z.email().max(320),
    password: z.string().min(1).max(200),
    storeId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(
        "The store a till signs in for: the default storeId of the session's events, and the store of its enrolments, redemptions and voucher uses (the staff report counts by it)",
      ),
  })
  .strict()
  .openapi("SignIn");

export const SessionSchema = z
  .object({
    staff: StaffSchema,
    csrfToken: z.string().describe("Send it back as X-CSRF-Token on every change made with this session"),
    expiresAt: z.iso.datetime(),
    storeId: z.string().nullable().describe("The store the session was opened for, if any"),
  })
  .openapi("StaffSession");

export type CreateStaffInput = z.infer<typeof CreateStaffSchema>;
export type UpdateStaffInput = z.infer<typeof UpdateStaffSchema>;
export type SignInInput = z.infer<typeof SignInSchema>;
