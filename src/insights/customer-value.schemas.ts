import { z } from "@hono/zod-openapi";
import { labelled } from "../shared/field-words.ts";
import { DaySchema } from "../shared/schemas.ts";

/** Customer lifetime value (issue 14): fit requests, the fitted model, and a member's value. */

export const DEFINITIONS =
  "Purchases are the programme's purchase events by members, not refused and not returned in full, each for its amount less what was returned (minor units); all of a member's purchases on one day (programme time zone) count as one transaction with their amounts summed (a $0 purchase a rule accepted, such as a visit, is a transaction with no spend). Returns are read as they stand when the fit runs. " +
  "**frequency** (x): purchase days after the member's first, up to asOf. **recency** (t_x): days from the first purchase day to the last. **age** (T): days from the first purchase day to asOf. **monetary**: the mean spend of the repeat purchase days (the first day never counts), minor units; 0 when frequency is 0. " +
  "The purchase model is the BG/NBD (Fader, Hardie & Lee 2005): while alive a customer buys at a Poisson rate lambda ~ Gamma(r, alpha), and after each purchase drops out with probability p ~ Beta(a, b); time is in days, so alpha is in days. " +
  "The spend model is the Gamma-Gamma (Fader, Hardie & Lee 2005; Fader & Hardie 2013): each purchase's spend ~ Gamma(p, nu), nu ~ Gamma(q, v) across customers, fitted on the customers with frequency >= 1 and monetary > 0; v is in minor units. " +
  "**expected30/90/365**: E[Y(t) | x, t_x, T], the purchase days the member is expected to make in the next 30, 90 or 365 days. **probabilityAlive**: P(alive | x, t_x, T), the probability the member has not dropped out (1 with no repeat purchase). " +
  "**expectedSpend**: E[M | x, monetary], the expected spend per purchase day, minor units: the member's own mean shrunk towards the population's mean p v / (q - 1). " +
  "**clv**: expectedSpend x the sum over months i = 1..horizonMonths of the purchases expected in month i (months of 30 days) / (1 + discountRate)^i, in minor units (lifetimes' customer_lifetime_value). Money figures are answered rounded half away from zero to whole minor units; monetary is a mean and is not rounded.";

export const FitStatusSchema = z
  .enum(["queued", "running", "succeeded", "failed"])
  .describe("queued: waiting for the jobs; running; succeeded: its model is the one answered; failed: see error");

export const CreateFitSchema = z
  .object({
    asOf: labelled(
      DaySchema.describe(
        "The calibration period's last day (YYYY-MM-DD, programme time, inclusive), today or before; default today (read up to now)",
      ),
      { label: "As of" },
    ).optional(),
    calibrationFrom: labelled(
      DaySchema.describe(
        "Fit a cohort: members whose first purchase day is before this day are left out (YYYY-MM-DD, programme time, not after asOf); default: every member",
      ),
      { label: "Calibration from" },
    ).optional(),
  })
  .strict()
  .openapi("CreateCustomerValueFit");

export const FitSchema = z
  .object({
    id: z.string().openapi({ example: "cvf_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    status: FitStatusSchema,
    model: z.literal("bgnbd+gamma-gamma"),
    timeUnit: z.literal("days").describe("The unit of recency, age and alpha: days"),
    asOf: z.string().describe("The calibration period's last day (programme time, inclusive)"),
    calibrationFrom: z.string().nullable().describe("Members first seen before this day were left out; null: none"),
    customers: z.int().nullable().describe("Members the purchase model was fitted on; null until it succeeds"),
    repeatCustomers: z.int().nullable().describe("Of them, members with frequency >= 1"),
    error: z
      .object({
        reason: z
          .string()
          .describe(
            "too_few_customers, too_few_repeat_customers, not_identified, did_not_converge, not_finite, infinite_mean_spend (the 422 reasons), or error (an unexpected failure, logged)",
          ),
        message: z.string(),
      })
      .nullable()
      .describe("Why a failed fit failed; null otherwise"),
    requestedBy: z.string().describe("Who asked for it: key:..., staff:..., or system:nightly"),
    requestedAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    fittedAt: z.iso.datetime().nullable().describe("When it succeeded or failed"),
  })
  .openapi("CustomerValueFit");

export const ParametersSchema = z
  .object({
    r: z.number().describe("BG/NBD: shape of the purchase-rate distribution"),
    alpha: z.number().describe("BG/NBD: scale of the purchase-rate distribution, in days"),
    a: z.number().describe("BG/NBD: drop-out probability Beta(a, b)"),
    b: z.number().describe("BG/NBD: drop-out probability Beta(a, b)"),
    p: z.number().describe("Gamma-Gamma: shape of each purchase's spend"),
    q: z.number().describe("Gamma-Gamma: shape of the spend scale across customers"),
    v: z.number().describe("Gamma-Gamma: scale of the spend scale across customers, in minor units"),
  })
  .openapi("CustomerValueParameters");

export const ModelSchema = z
  .object({
    fitId: z.string(),
    model: z.literal("bgnbd+gamma-gamma"),
    currency: z.string().describe("The currency of every money figure (minor units)"),
    asOf: z.string().describe("The calibration period's last day (programme time)"),
    calibrationFrom: z.string().nullable(),
    timeUnit: z.literal("days").describe("Transactions are programme days: recency, age and alpha are in days"),
    parameters: ParametersSchema,
    logLikelihood: z
      .object({
        bgnbd: z.number().describe("The purchase model's log-likelihood at the estimates, over `customers`"),
        gammaGamma: z.number().describe("The spend model's, over the repeat customers with positive spend"),
      })
      .describe("Maximised log-likelihoods"),
    customers: z.int().describe("Members the purchase model was fitted on"),
    repeatCustomers: z.int().describe("Of them, members with frequency >= 1"),
    fittedAt: z.iso.datetime(),
    latestFit: FitSchema.describe("The most recently requested fit (queued, running, failed or this one)"),
  })
  .openapi("CustomerValueModel");

export const MemberValueQuerySchema = z.object({
  horizonMonths: labelled(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(120)
      .default(12)
      .openapi({ description: "CLV horizon in whole months, 1..120; default 12" }),
    { label: "Horizon" },
  ),
  discountRate: labelled(
    z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .openapi({ description: "Monthly discount rate, 0..1; default 0.01 (about 12.7% a year)" }),
    { label: "Discount rate" },
  ),
});

export const MemberValueSchema = z
  .object({
    memberId: z.string(),
    fitId: z.string().describe("The fit whose model answered"),
    asOf: z.string().describe("The fit's calibration period's last day: the history is read up to it"),
    currency: z.string(),
    basis: z
      .enum(["history", "new_customer"])
      .describe(
        "history: the member's purchases up to asOf; new_customer: none by asOf, so the member is read as a customer just acquired (x = t_x = T = 0): expected purchases E[X(t)], probabilityAlive 1, expectedSpend the population's mean",
      ),
    frequency: z.int().nullable().describe("x; null for a new customer"),
    recency: z.number().nullable().describe("t_x in days; null for a new customer"),
    age: z.number().nullable().describe("T in days; null for a new customer"),
    monetary: z.number().nullable().describe("Mean repeat-day spend, minor units; null for a new customer"),
    expected30: z.number(),
    expected90: z.number(),
    expected365: z.number(),
    probabilityAlive: z.number(),
    expectedSpend: z.int().describe("Minor units per purchase day"),
    clv: z.int().describe("Minor units over horizonMonths"),
    horizonMonths: z.int(),
    discountRate: z.number(),
  })
  .openapi("MemberValue");

export type CreateFitInput = z.infer<typeof CreateFitSchema>;
export type MemberValueQuery = z.infer<typeof MemberValueQuerySchema>;
export type Fit = z.infer<typeof FitSchema>;
