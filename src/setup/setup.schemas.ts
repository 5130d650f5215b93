import { z } from "@hono/zod-openapi";
import { CreateProgramSchema, ProgramSchema } from "../programs/programs.schemas.ts";
import { CreateStaffSchema, SessionSchema, StaffSchema } from "../staff/staff.schemas.ts";
import { CHECKLIST_ITEMS } from "./setup.rules.ts";

const credentialFields = {
  setupToken: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("The token of the setup link the server printed at its first start (after `#token=`); works once"),
  operatorKey: z.string().min(1).max(200).optional().describe("The operator (root) key: creates further programmes"),
};

const oneCredential = (v: { setupToken?: string | undefined; operatorKey?: string | undefined }) =>
  (v.setupToken === undefined) !== (v.operatorKey === undefined);
const oneCredentialIssue = {
  message: "Give either the setup link's token or the operator key",
  path: ["setupToken"],
};

export const SetupCheckSchema = z
  .object(credentialFields)
  .strict()
  .refine(oneCredential, oneCredentialIssue)
  .openapi("SetupCheck");

export const SetupAccessSchema = z
  .object({
    via: z.enum(["setup_link", "operator_key"]),
    expiresAt: z.iso.datetime().nullable().describe("When the setup link stops working; null for the operator key"),
  })
  .openapi("SetupAccess");

export const SetupOwnerSchema = CreateStaffSchema.omit({ role: true }).openapi("SetupOwner");

export const SetupSchema = z
  .object({
    ...credentialFields,
    program: CreateProgramSchema,
    owner: SetupOwnerSchema.describe("The programme's first owner, signed in by this call"),
  })
  .strict()
  .refine(oneCredential, oneCredentialIssue)
  .openapi("Setup");

export const SetupResultSchema = z
  .object({ program: ProgramSchema, owner: StaffSchema, session: SessionSchema })
  .openapi("SetupResult");

export const ChecklistSchema = z
  .object({
    items: z.array(z.object({ id: z.enum(CHECKLIST_ITEMS), done: z.boolean() })),
    complete: z.boolean(),
    dismissed: z.boolean().describe("The owner put the checklist away (possible once every step is done)"),
  })
  .openapi("Checklist");

export const ChecklistMarkSchema = z
  .object({
    item: z
      .enum(["portal_link_shared", "till_opened"])
      .describe("portal_link_shared: the portal link was copied or printed; till_opened: the point of sale was opened"),
  })
  .strict()
  .openapi("ChecklistMark");

export const ProgramLinksSchema = z
  .object({
    programId: z.string(),
    consoleUrl: z.string(),
    portalUrl: z.string().describe("The member portal: share it, print it as a QR code on a counter card"),
    tillUrl: z.string().describe("The point of sale, for the shop's tills"),
  })
  .openapi("ProgramLinks");

export type SetupInput = z.infer<typeof SetupSchema>;
export type SetupCheckInput = z.infer<typeof SetupCheckSchema>;
