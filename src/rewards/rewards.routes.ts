import { z } from "@hono/zod-openapi";
import { createRouter, idParam, mutationRoute, readRoute } from "../http/openapi.ts";
import { fingerprint } from "../idempotency/idempotency.service.ts";
import { MemberParams } from "../members/members.routes.ts";
import type { Clock } from "../shared/clock.ts";
import { PageQuerySchema } from "../shared/schemas.ts";
import { codeKey } from "./codes.rules.ts";
import type { RedemptionService } from "./redemptions.service.ts";
import {
  CancelRedemptionSchema,
  ConfirmRedemptionSchema,
  CreateRedemptionSchema,
  CreateRewardSchema,
  ImportCodesResultSchema,
  ImportCodesSchema,
  MemberRewardsSchema,
  RecommendationsQuerySchema,
  RecommendationsSchema,
  RedemptionResultSchema,
  RedemptionSchema,
  RewardListQuerySchema,
  RewardSchema,
  UpdateRewardSchema,
  UseVoucherSchema,
  VoucherCheckSchema,
  VoucherParams,
} from "./rewards.schemas.ts";
import type { RewardService } from "./rewards.service.ts";

const RewardParams = idParam("rewardId", "rwd");
const RedemptionParams = idParam("redemptionId", "red");

/** The services these routes use. */
export interface RewardRoutesDeps {
  rewards: RewardService;
  redemptions: RedemptionService;
  clock: Clock;
}

export function rewardRoutes(services: RewardRoutesDeps) {
  const router = createRouter();
  const { rewards, redemptions } = services;
  const catalogue = ["Rewards"];
  const redeeming = ["Redemptions"];
  const voucherTags = ["Vouchers"];
  const read: ["admin", "pos", "read"] = ["admin", "pos", "read"];
  const till: ["admin", "pos"] = ["admin", "pos"];

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/rewards",
      tags: catalogue,
      summary: "Add a reward to the catalogue",
      description:
        "Types: discount_amount, discount_percent, free_product, store_credit, experience, donation; `value` holds the type's terms. Stock, a per-member limit per period, an availability window, a minimum tier, segments, voucher validity and the code format (generated unguessable codes, an imported pool, or none) are optional.",
      scopes: ["admin"],
      body: CreateRewardSchema,
      status: 201,
      response: RewardSchema,
      responseDescription: "The new reward",
    },
    ({ body, programId, ctx }) => rewards.create(ctx, programId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/rewards",
      tags: catalogue,
      summary: "List rewards",
      scopes: read,
      query: RewardListQuerySchema,
      response: z.object({ data: z.array(RewardSchema), nextCursor: z.string().nullable() }),
      responseDescription: "Rewards, newest first",
    },
    ({ programId, query }) => rewards.list(programId, query),
  );

  readRoute(
    router,
    {
      path: "/v1/rewards/{rewardId}",
      tags: catalogue,
      summary: "Get a reward",
      scopes: read,
      params: RewardParams,
      response: RewardSchema,
      responseDescription: "The reward, with its stock",
    },
    ({ programId, params }) => rewards.get(programId, params.rewardId),
  );

  mutationRoute(
    router,
    {
      method: "patch",
      path: "/v1/rewards/{rewardId}",
      tags: catalogue,
      summary: "Change a reward",
      description:
        "Send only what changes. Redemptions keep the version they were made at. Stock cannot go below the units already redeemed or reserved (409 conflict).",
      scopes: ["admin"],
      params: RewardParams,
      body: UpdateRewardSchema,
      status: 200,
      response: RewardSchema,
      responseDescription: "The reward as changed",
    },
    ({ body, params, programId, ctx }) => rewards.update(ctx, programId, params.rewardId, body),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/rewards/{rewardId}/codes",
      tags: catalogue,
      summary: "Import voucher codes into a pool reward",
      description:
        "Codes are stored upper case and matched on their letters and digits alone (case, spaces, dashes and other punctuation ignored). A code already known anywhere in the programme is skipped and listed; a code that would match another one (`AB-12` and `AB12`), in this import or already known, is refused (409 conflict) naming both, and nothing is imported.",
      scopes: ["admin"],
      params: RewardParams,
      body: ImportCodesSchema,
      status: 200,
      response: ImportCodesResultSchema,
      responseDescription: "How many were imported and which were skipped",
    },
    ({ body, params, programId, ctx }) => rewards.importCodes(ctx, programId, params.rewardId, body.codes),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/rewards",
      tags: catalogue,
      summary: "Rewards a member can redeem",
      description:
        "Every active reward with whether the member can redeem it now and, if not, every reason: insufficient_points (with missingPoints), out_of_stock, limit_reached, tier_required, segment_required, not_yet_available, ended, member_blocked.",
      scopes: read,
      params: MemberParams,
      response: MemberRewardsSchema,
      responseDescription: "The catalogue from the member's side",
    },
    ({ programId, params }) => rewards.memberRewards(programId, params.memberId, services.clock.now()),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/recommendations",
      tags: catalogue,
      summary: "Rewards most relevant to a member",
      description:
        "Ranked by what the member can afford now or soon (at their earning pace over the last 90 days), their category affinity (what they bought over the last year), and popularity among members of their tier over the last 90 days; each with a one-line reason.",
      scopes: read,
      params: MemberParams,
      query: RecommendationsQuerySchema,
      response: RecommendationsSchema,
      responseDescription: "Recommendations, most relevant first",
    },
    ({ programId, params, query }) => rewards.recommendations(programId, params.memberId, query.limit),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/members/{memberId}/redemptions",
      tags: redeeming,
      summary: "Redeem a reward",
      description:
        "Spends the points through the ledger (soonest-expiring lots first), takes the stock and issues the vouchers, in one transaction. With `reserve: true` (at a till) the points and stock are only held, until confirmed, cancelled or `holdSeconds` pass. Refusals: insufficient_points, out_of_stock, limit_reached, reward_unavailable (inactive, not yet available, ended, tier or segment required) and member_blocked, all 409 with every reason in details.reasons.",
      scopes: till,
      params: MemberParams,
      body: CreateRedemptionSchema,
      status: 201,
      response: RedemptionResultSchema,
      responseDescription: "The redemption, its vouchers and the new balance",
    },
    ({ body, params, programId, ctx }) => redemptions.redeem(ctx, programId, params.memberId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/redemptions",
      tags: redeeming,
      summary: "A member's redemptions",
      scopes: read,
      params: MemberParams,
      query: PageQuerySchema,
      response: z.object({ data: z.array(RedemptionSchema), nextCursor: z.string().nullable() }),
      responseDescription: "Redemptions, newest first",
    },
    ({ programId, params, query }) => redemptions.listForMember(programId, params.memberId, query.limit, query.cursor),
  );

  readRoute(
    router,
    {
      path: "/v1/redemptions/{redemptionId}",
      tags: redeeming,
      summary: "Get a redemption",
      scopes: read,
      params: RedemptionParams,
      response: RedemptionSchema,
      responseDescription: "The redemption and its vouchers",
    },
    ({ programId, params }) => redemptions.get(programId, params.redemptionId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/redemptions/{redemptionId}/confirm",
      tags: redeeming,
      summary: "Confirm a reservation",
      description: "Captures the held points and issues the vouchers. A reservation that timed out is 409 invalid_state.",
      scopes: till,
      params: RedemptionParams,
      body: ConfirmRedemptionSchema,
      status: 200,
      response: RedemptionResultSchema,
      responseDescription: "The completed redemption",
    },
    ({ params, programId, ctx }) => redemptions.confirm(ctx, programId, params.redemptionId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/redemptions/{redemptionId}/cancel",
      tags: redeeming,
      summary: "Cancel a redemption",
      description:
        "A reservation releases its hold. A completed redemption whose vouchers are all unused is reversed: the points go back to the lots they came from (any that expired meanwhile go on to breakage). A used or expired voucher keeps the points spent (409 voucher_used / voucher_expired). Units go back to stock.",
      scopes: till,
      params: RedemptionParams,
      body: CancelRedemptionSchema,
      status: 200,
      response: RedemptionResultSchema,
      responseDescription: "The cancelled redemption and the new balance",
    },
    ({ body, params, programId, ctx }) => redemptions.cancel(ctx, programId, params.redemptionId, body),
  );

  readRoute(
    router,
    {
      path: "/v1/members/{memberId}/vouchers",
      tags: voucherTags,
      summary: "A member's vouchers",
      scopes: read,
      params: MemberParams,
      response: z.object({ data: z.array(VoucherCheckSchema) }),
      responseDescription: "The member's latest 200 vouchers, newest first",
    },
    ({ programId, params }) => redemptions.listMemberVouchers(programId, params.memberId),
  );

  readRoute(
    router,
    {
      path: "/v1/vouchers/{code}",
      tags: voucherTags,
      summary: "Check a voucher",
      description:
        "Validates a code without using it: `valid`, and if not why (voucher_used, voucher_expired, voucher_cancelled). A code of another programme is 404, like an unknown one.",
      scopes: read,
      params: VoucherParams,
      response: VoucherCheckSchema,
      responseDescription: "The voucher and what it is for",
    },
    ({ programId, params }) => redemptions.checkVoucher(programId, params.code),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/vouchers/{code}/redeem",
      tags: voucherTags,
      summary: "Use a voucher at checkout",
      description:
        "Marks the voucher used, once: a second use is 409 voucher_used, an expired one 409 voucher_expired, a cancelled one 409 voucher_cancelled, another programme's code 404. Send an Idempotency-Key to retry safely.",
      scopes: till,
      params: VoucherParams,
      body: UseVoucherSchema,
      status: 200,
      response: VoucherCheckSchema,
      responseDescription: "The voucher, now used",
    },
    // Fingerprinted on the code's match key, so a retry that types it another way (case, dashes) replays.
    ({ body, params, programId, ctx }) =>
      redemptions.useVoucher(
        { ...ctx, fingerprint: fingerprint("POST", `/v1/vouchers/${codeKey(params.code)}/redeem`, body) },
        programId,
        params.code,
        body,
      ),
  );

  return router;
}
