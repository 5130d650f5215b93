import {
  costPerIncrementalRevenue,
  type GroupFigures,
  type Interval,
  pointCost,
  relativeLift,
  twoProportionTest,
  verdictOf,
  welchTest,
} from "./campaign-lift.rules.ts";
import type { CampaignResult } from "./campaign-results.schemas.ts";

/** Minor units rounded half away from zero (a mean or an interval bound of money). */
export const roundMoney = (v: number) => Math.sign(v) * Math.round(Math.abs(v));
const moneyInterval = (ci: Interval, times = 1): Interval => [roundMoney(ci[0] * times), roundMoney(ci[1] * times)];

export interface CampaignFacts {
  campaignId: string;
  name: string;
  status: CampaignResult["status"];
  holdoutPercent: number;
  from: string;
  to: string;
  beforeFrom: string;
  beforeTo: string;
}

export interface SteadyFigures {
  members: number;
  spendBefore: number;
  spendDuring: number;
}

export interface PointFigures {
  pointsAwarded: number;
  pointsReturned: number;
  membersAwarded: number;
  membersHeldOutTriggered: number;
}

const emptyGroup: GroupFigures = { members: 0, buyers: 0, purchases: 0, spend: 0, spendVariance: null };

const groupAnswer = (g: GroupFigures) => ({
  members: g.members,
  buyers: g.buyers,
  conversion: g.members > 0 ? g.buyers / g.members : null,
  purchases: g.purchases,
  purchasesPerMember: g.members > 0 ? g.purchases / g.members : null,
  spend: g.spend,
  spendPerMember: g.members > 0 ? roundMoney(g.spend / g.members) : null,
});

/**
 * One campaign's results from its groups' aggregates: conversion by the two-proportion z-test,
 * spend per member by Welch's t-test (from each group's size, mean and variance), incremental
 * revenue, point cost and the verdict. `bootstrap` (the difference's percentile interval), when
 * the caller drew one, also decides the verdict.
 */
export function campaignResult(input: {
  campaign: CampaignFacts;
  treated: GroupFigures | undefined;
  holdout: GroupFigures | undefined;
  steady: SteadyFigures;
  points: PointFigures;
  pointValue: number;
  bootstrap?: Interval | null;
}): CampaignResult {
  const { campaign, steady, points } = input;
  const treated = input.treated ?? emptyGroup;
  const holdout = input.holdout ?? emptyGroup;
  const hasHoldout = campaign.holdoutPercent > 0;
  const conversionTest = hasHoldout ? twoProportionTest(treated.buyers, treated.members, holdout.buyers, holdout.members) : null;
  const mean = (g: GroupFigures) => (g.members > 0 ? g.spend / g.members : 0);
  const summary = (g: GroupFigures) => ({ n: g.members, mean: mean(g), variance: g.spendVariance ?? 0 });
  const spendTest = hasHoldout ? welchTest(summary(treated), summary(holdout)) : null;
  const conversionLift =
    conversionTest &&
    relativeLift(
      treated.buyers / treated.members,
      ((treated.buyers / treated.members) * (1 - treated.buyers / treated.members)) / treated.members,
      holdout.buyers / holdout.members,
      ((holdout.buyers / holdout.members) * (1 - holdout.buyers / holdout.members)) / holdout.members,
    );
  const spendLift =
    spendTest &&
    relativeLift(
      mean(treated),
      (treated.spendVariance ?? 0) / treated.members,
      mean(holdout),
      (holdout.spendVariance ?? 0) / holdout.members,
    );
  const incremental =
    hasHoldout && treated.members > 0 && holdout.members > 0 ? (mean(treated) - mean(holdout)) * treated.members : null;
  const net = points.pointsAwarded - points.pointsReturned;
  const cost = pointCost(net, input.pointValue);
  const perMember = (spend: number) => (steady.members > 0 ? roundMoney(spend / steady.members) : null);
  const { verdict, reason } = verdictOf({
    holdoutPercent: campaign.holdoutPercent,
    treated,
    holdout,
    spend: spendTest,
    bootstrap: input.bootstrap ?? null,
  });
  return {
    campaignId: campaign.campaignId,
    name: campaign.name,
    status: campaign.status,
    holdoutPercent: campaign.holdoutPercent,
    from: campaign.from,
    to: campaign.to,
    treated: groupAnswer(treated),
    holdout: groupAnswer(holdout),
    ...points,
    points: net,
    pointsCost: cost,
    conversion: conversionTest && {
      difference: conversionTest.difference,
      differenceCi: conversionTest.ci,
      lift: conversionLift?.lift ?? null,
      liftCi: conversionLift?.ci ?? null,
      z: conversionTest.z,
      pValue: conversionTest.pValue,
    },
    spendPerMember: spendTest && {
      difference: spendTest.difference,
      differenceCi: spendTest.ci,
      lift: spendLift?.lift ?? null,
      liftCi: spendLift?.ci ?? null,
      t: spendTest.t,
      df: spendTest.df,
      pValue: spendTest.pValue,
    },
    incrementalRevenue: incremental === null ? null : roundMoney(incremental),
    incrementalRevenueCi: spendTest ? moneyInterval(spendTest.ci, treated.members) : null,
    costPerIncrementalRevenue: costPerIncrementalRevenue(cost, incremental === null ? null : roundMoney(incremental)),
    beforeAfter: {
      beforeFrom: campaign.beforeFrom,
      beforeTo: campaign.beforeTo,
      members: steady.members,
      spendPerMemberBefore: perMember(steady.spendBefore),
      spendPerMemberDuring: perMember(steady.spendDuring),
      change: steady.spendBefore > 0 ? steady.spendDuring / steady.spendBefore - 1 : null,
    },
    verdict,
    reason,
  };
}

export { moneyInterval };
