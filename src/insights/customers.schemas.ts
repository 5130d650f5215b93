import { z } from "@hono/zod-openapi";
import { labelled } from "../shared/field-words.ts";
import { DaySchema } from "../shared/schemas.ts";
import { ParametersSchema } from "./customer-value.schemas.ts";
import { AT_RISK_MAX_ALIVE, AT_RISK_MIN_DROP, DEFAULT_LOOKBACK_DAYS, MAX_WINDOW_DAYS } from "./customers.rules.ts";

/** Loyal vs non-loyal (issue 14): members vs non-member customers, members at risk, non-members worth inviting. */

export const CUSTOMER_DEFINITIONS =
  "A **purchase** is a purchase event not refused and not returned in full, for its amount less what was returned (minor units), counted on the day it occurred (programme time zone); a $0 purchase a rule accepted counts, with no spend. " +
  "**Members** are purchases with a member, a guest purchase a member claimed included. **Non-member customers** are guest purchases (no member) grouped by their `customerRef`, except references a member's purchase carries (a claimed purchase keeps its reference; an integrator may send it on members' purchases too): those customers have joined, and their other guest purchases are counted apart (`joinedSince`) and in the members' before-joining figures. Guest purchases without a reference cannot be told apart by customer and are counted apart too (`anonymous`): the non-members' figures leave them out, so they describe the customers who gave a reference, not every guest.";

export const ComparisonQuerySchema = z.object({
  from: labelled(
    DaySchema.optional().openapi({
      description: `First day (YYYY-MM-DD, programme time); default 364 days before \`to\`. At most ${MAX_WINDOW_DAYS} days in all`,
    }),
    { label: "From" },
  ),
  to: labelled(
    DaySchema.optional().openapi({
      description: "Last day, inclusive (YYYY-MM-DD, programme time), not after today; default today",
    }),
    { label: "To" },
  ),
});

const ClvSchema = z
  .object({
    status: z
      .enum(["valued", "refused", "no_model"])
      .describe(
        "valued: meanClv is answered; refused: no value to answer, with reason and message: the non-members' fit was refused (the customer-value fit's 422 reasons, e.g. too_few_customers), or no_values (no customer of the window has one); no_model: no member fit has succeeded (POST /v1/insights/customer-value/fit)",
      ),
    meanClv: z
      .int()
      .nullable()
      .describe("The mean predicted CLV of the side's customers in the window who have one, minor units; null unless valued"),
    valuedCustomers: z.int().describe("Customers of the window the mean is over"),
    asOf: z.string().nullable().describe("The day the model's histories run to: the member fit's asOf, or `to` for non-members"),
    reason: z.string().nullable(),
    message: z.string().nullable(),
  })
  .describe(
    "Predicted CLV over 12 months at 1% a month (the stored member values' horizon): for members, the stored value of the latest member fit (GET /v1/insights/customer-value); for non-members, the same BG/NBD + Gamma-Gamma fitted on the non-members' summaries by customerRef up to `to` (every purchase before it, not only the window's), refused as the member fit is (at least 30 customers, 10 who bought on two days)",
  );

const SideSchema = z.object({
  customers: z.int().describe("Customers with a purchase in the window"),
  purchases: z.int(),
  revenue: z.int().describe("Net revenue, minor units"),
  purchasesPerCustomer: z.number().nullable().describe("Frequency: purchases / customers (four decimals)"),
  spendPerTransaction: z.int().nullable().describe("revenue / purchases, minor units rounded half away from zero"),
  revenuePerCustomer: z.int().nullable().describe("revenue / customers, minor units rounded half away from zero"),
  repeatCustomers: z.int().describe("Customers who bought on two or more days in the window"),
  repeatRate: z
    .number()
    .nullable()
    .describe("repeatCustomers / customers: the share who bought again within the window (on another day)"),
  previousCustomers: z.int().describe("Customers with a purchase in the previous window (as many days just before `from`)"),
  retainedCustomers: z.int().describe("Of them, those with a purchase in this window"),
  retention: z.number().nullable().describe("retainedCustomers / previousCustomers; null when nobody bought before"),
  predictedClv: ClvSchema,
});

const GuestPurchasesSchema = z.object({
  purchases: z.int(),
  revenue: z.int().describe("Minor units"),
});

const PartSchema = z.object({
  purchases: z.int(),
  revenue: z.int().describe("Minor units"),
  exposureDays: z.number().describe("Days these members were observed in this part of the window, summed (four decimals)"),
  purchasesPer30Days: z.number().nullable().describe("purchases / exposureDays x 30: frequency per member per 30 days"),
  spendPerTransaction: z.int().nullable().describe("revenue / purchases, minor units"),
});

export const ComparisonSchema = z
  .object({
    from: DaySchema,
    to: DaySchema,
    previousFrom: DaySchema.describe("First day of the previous window (retention's)"),
    timezone: z.string(),
    currency: z.string().describe("The currency of every money figure (minor units)"),
    members: SideSchema,
    nonMembers: SideSchema,
    anonymous: GuestPurchasesSchema.describe(
      "Guest purchases in the window without a customerRef: not in the non-members' figures (they cannot be told apart by customer)",
    ),
    joinedSince: GuestPurchasesSchema.describe(
      "Guest purchases in the window under a reference a member's purchase carries, never claimed: the customer has joined since; in neither side's figures, and in beforeAfterJoining when the member has a claimed purchase",
    ),
    beforeAfterJoining: z
      .object({
        members: z.int().describe("Members with at least one claimed guest purchase"),
        before: PartSchema,
        after: PartSchema,
      })
      .describe(
        "Members with a claimed guest purchase, before and after they joined (their enrolment instant), within the window: before = their claimed purchases and the guest purchases under a reference of theirs that happened before it, after = their purchases and those guest purchases from it on. Each member is observed before joining from `from` (or their joining, whichever is earlier) to their joining, and after it from their joining (or `from`) to the end of `to` (now, when `to` is today). Purchases before joining without a reference or a claim are not seen, so `before` is a lower bound",
      ),
  })
  .openapi("CustomerComparison");

export const AtRiskQuerySchema = z.object({
  limit: labelled(
    z.coerce.number().int().min(1).max(500).default(50).openapi({ description: "At most this many members, 1..500; default 50" }),
    { label: "Limit" },
  ),
  minClv: labelled(
    z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({
      description:
        "Valuable: a CLV then (clvThen) of at least this, minor units; default the median CLV the latest fit stored (members' values now)",
    }),
    { label: "Minimum CLV" },
  ),
  lookbackDays: labelled(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(3660)
      .default(DEFAULT_LOOKBACK_DAYS)
      .openapi({ description: `How far back thenDay is, in days, 1..3660; default ${DEFAULT_LOOKBACK_DAYS}` }),
    { label: "Look back" },
  ),
});

export const AtRiskSchema = z
  .object({
    fitId: z.string().describe("The member fit whose parameters and stored CLV answered"),
    fitAsOf: z.string(),
    currency: z.string(),
    today: DaySchema.describe("Today in the programme's time zone: `now` figures run to it"),
    thenDay: DaySchema.describe("today - lookbackDays: the `then` figures run to it"),
    lookbackDays: z.int(),
    minClv: z.int().describe("The CLV threshold applied to clvThen (given, or the median stored CLV)"),
    minClvSource: z.enum(["given", "median"]),
    maxProbabilityAlive: z.number().describe(`P(alive) now below this (${AT_RISK_MAX_ALIVE})`),
    minDrop: z.number().describe(`P(alive) then - P(alive) now at least this (${AT_RISK_MIN_DROP})`),
    members: z.array(
      z.object({
        memberId: z.string(),
        name: z.string().nullable(),
        clvThen: z
          .int()
          .describe("CLV as the member stood `then`: from their history up to thenDay, with the fit's parameters, minor units"),
        storedClv: z
          .int()
          .nullable()
          .describe(
            "The latest fit's stored CLV (as of its asOf: the lapse already counted), minor units; null if it did not value them",
          ),
        firstPurchaseDay: DaySchema,
        lastPurchaseDay: DaySchema,
        daysSinceLastPurchase: z.int(),
        purchaseDays: z.int().describe("Days with a purchase, up to now"),
        frequencyThen: z.int().describe("x then: purchase days after the first, up to thenDay"),
        frequencyNow: z.int().describe("x now"),
        recencyThen: z.number(),
        recencyNow: z.number(),
        ageThen: z.number(),
        ageNow: z.number(),
        probabilityAliveThen: z.number(),
        probabilityAliveNow: z.number(),
        drop: z.number().describe("probabilityAliveThen - probabilityAliveNow"),
      }),
    ),
  })
  .openapi("MembersAtRisk");

export const ConvertibleQuerySchema = z.object({
  limit: labelled(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .default(50)
      .openapi({ description: "At most this many customers, 1..500; default 50" }),
    { label: "Limit" },
  ),
});

export const ConvertibleSchema = z
  .object({
    asOf: DaySchema.describe("Today: the histories run to now, T to today"),
    currency: z.string(),
    model: z.object({
      parameters: ParametersSchema,
      customers: z.int().describe("Non-member customers (customerRefs) the models were fitted on"),
      repeatCustomers: z.int(),
    }),
    horizonMonths: z.int(),
    discountRate: z.number(),
    customers: z.array(
      z.object({
        customerRef: z.string(),
        purchases: z.int(),
        spend: z.int().describe("Net spend, minor units"),
        firstPurchaseDay: DaySchema,
        lastPurchaseDay: DaySchema,
        daysSinceLastPurchase: z.int(),
        frequency: z.int().describe("x: purchase days after the first"),
        recency: z.number().describe("t_x, days"),
        age: z.number().describe("T, days"),
        monetary: z.number().describe("Mean repeat-day spend, minor units"),
        probabilityAlive: z.number(),
        expected365: z.number().describe("Purchase days expected in the next 365 days"),
        expectedSpend: z.int().describe("Minor units per purchase day"),
        clv: z.int().describe("Minor units over horizonMonths"),
      }),
    ),
  })
  .openapi("ConvertibleCustomers");

export type ComparisonQuery = z.infer<typeof ComparisonQuerySchema>;
export type Comparison = z.infer<typeof ComparisonSchema>;
export type AtRiskQuery = z.infer<typeof AtRiskQuerySchema>;
export type ConvertibleQuery = z.infer<typeof ConvertibleQuerySchema>;
