import type { Transaction } from "kysely";
import type { ApiKeyService } from "../api-keys/api-keys.service.ts";
import type { DB, ExpiryPolicy, PaymentPolicy, ProgramRow, ReferralPolicy, UnknownMemberPolicy } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { ClawbackPolicy, ReturnPolicy } from "../ledger/ledger.schemas.ts";
import { notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { maxPurchaseOf } from "./programs.rules.ts";
import type { CreateProgramInput, UpdateProgramInput } from "./programs.schemas.ts";
import { findProgram, insertProgram, lockProgram, updateProgram } from "./programs.sql.ts";

export interface Program {
  id: string;
  name: string;
  currency: string;
  timezone: string;
  country: string | null;
  pointsExpiry: ExpiryPolicy;
  pendingDays: number;
  clawbackPolicy: ClawbackPolicy;
  unknownMemberPolicy: UnknownMemberPolicy;
  guestClaimDays: number;
  returnPolicy: ReturnPolicy;
  pointValue: number;
  referralPolicy: ReferralPolicy | null;
  paymentPolicy: PaymentPolicy | null;
  /** Minor units: the programme's own setting or the default (maxPurchaseOf). */
  maxPurchaseAmount: number;
  createdAt: Date;
  updatedAt: Date;
}

const toProgram = (row: ProgramRow): Program => ({
  id: row.id,
  name: row.name,
  currency: row.currency,
  timezone: row.timezone,
  country: row.country,
  pointsExpiry: row.points_expiry,
  pendingDays: row.pending_days,
  clawbackPolicy: row.clawback_policy,
  unknownMemberPolicy: row.unknown_member_policy,
  guestClaimDays: row.guest_claim_days,
  returnPolicy: row.return_policy,
  pointValue: row.point_value,
  referralPolicy: row.referral_policy,
  paymentPolicy: row.payment_policy,
  maxPurchaseAmount: maxPurchaseOf({ currency: row.currency, maxPurchaseAmount: row.max_purchase_amount }),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export class ProgramService {
  constructor(private readonly deps: ServiceDeps & { apiKeys: ApiKeyService }) {}

  async get(id: string): Promise<Program> {
    const row = await findProgram(this.deps.db, id);
    if (!row) throw notFound("Program", id);
    return toProgram(row);
  }

  /** Creates a programme and its first admin key (shown once). */
  create(ctx: MutationContext, input: CreateProgramInput) {
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const program = await this.insert(trx, input);
      const apiKey = await this.deps.apiKeys.insert(trx, program.id, { name: "Default admin key", scope: "admin" });
      return { program, apiKey };
    });
  }

  /** Writes a new programme inside the caller's transaction (first-run setup adds its owner in the same one). */
  async insert(trx: Transaction<DB>, input: CreateProgramInput): Promise<Program> {
    const now = this.deps.clock.now();
    const row = await insertProgram(trx, {
      id: this.deps.ids("program"),
      name: input.name,
      currency: input.currency,
      timezone: input.timezone,
      country: input.country ?? null,
      points_expiry: JSON.stringify(input.pointsExpiry),
      pending_days: input.pendingDays,
      clawback_policy: input.clawbackPolicy,
      unknown_member_policy: input.unknownMemberPolicy,
      guest_claim_days: input.guestClaimDays,
      return_policy: input.returnPolicy,
      point_value: input.pointValue,
      referral_policy: JSON.stringify(input.referralPolicy),
      payment_policy: JSON.stringify(input.paymentPolicy),
      max_purchase_amount: input.maxPurchaseAmount ?? null,
      created_at: now,
      updated_at: now,
    });
    return toProgram(row);
  }

  update(ctx: MutationContext, id: string, input: UpdateProgramInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      // The settings before, for the audit log (the lock the update takes anyway, taken first).
      const current = await lockProgram(trx, id);
      if (!current) throw notFound("Program", id);
      ctx.audit = { before: toProgram(current) };
      const patch = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.timezone !== undefined && { timezone: input.timezone }),
        ...(input.country !== undefined && { country: input.country }),
        ...(input.pointsExpiry !== undefined && { points_expiry: JSON.stringify(input.pointsExpiry) }),
        ...(input.pendingDays !== undefined && { pending_days: input.pendingDays }),
        ...(input.clawbackPolicy !== undefined && { clawback_policy: input.clawbackPolicy }),
        ...(input.unknownMemberPolicy !== undefined && { unknown_member_policy: input.unknownMemberPolicy }),
        ...(input.guestClaimDays !== undefined && { guest_claim_days: input.guestClaimDays }),
        ...(input.returnPolicy !== undefined && { return_policy: input.returnPolicy }),
        ...(input.pointValue !== undefined && { point_value: input.pointValue }),
        ...(input.referralPolicy !== undefined && { referral_policy: JSON.stringify(input.referralPolicy) }),
        ...(input.paymentPolicy !== undefined && { payment_policy: JSON.stringify(input.paymentPolicy) }),
        ...(input.maxPurchaseAmount !== undefined && { max_purchase_amount: input.maxPurchaseAmount }),
      };
      const row = await updateProgram(trx, id, { ...patch, updated_at: this.deps.clock.now() });
      if (!row) throw notFound("Program", id);
      return toProgram(row);
    });
  }
}
