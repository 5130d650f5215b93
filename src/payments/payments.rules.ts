import type { PaymentPolicy } from "../db/schema.ts";
import { formatMoney } from "../earning/money.rules.ts";
import { DomainError } from "../shared/errors.ts";

/**
 * Paying with points, with no I/O: how many points an amount costs, which amounts an order
 * allows, and how many points a refund gives back.
 */

/** Points to pay `amount` (minor units), rounded up: a payment never gives more money than its points are worth. */
export function pointsFor(amount: number, policy: Pick<PaymentPolicy, "pointValue">): number {
  const exact = amount / policy.pointValue;
  const nearest = Math.round(exact);
  // Guard against binary fractions (7 / 0.07 = 100.00000000000001), which are not a real remainder.
  return Math.abs(exact - nearest) < 1e-9 ? nearest : Math.ceil(exact);
}

/** Money that `points` pay for, rounded down (the other side of pointsFor's rounding up). */
export function amountFor(points: number, policy: Pick<PaymentPolicy, "pointValue">): number {
  const exact = points * policy.pointValue;
  const nearest = Math.round(exact);
  return Math.abs(exact - nearest) < 1e-9 ? nearest : Math.floor(exact);
}

export interface Quote {
  /** The least and most of the order that points may pay, in minor units; maxAmount < minAmount: none. */
  minAmount: number;
  maxAmount: number;
  maxPoints: number;
}

/** What a member with `available` points may pay of an order of `orderTotal`. */
export function quote(orderTotal: number, available: number, policy: PaymentPolicy): Quote {
  const minAmount = Math.max(Math.ceil((orderTotal * policy.minSharePercent) / 100), amountFor(policy.minPoints, policy), 1);
  const maxAmount = Math.min(Math.floor((orderTotal * policy.maxSharePercent) / 100), amountFor(available, policy));
  return { minAmount, maxAmount, maxPoints: maxAmount >= minAmount ? pointsFor(maxAmount, policy) : 0 };
}

/** Checks a payment of `amount` against the order and the policy; throws unprocessable with the bounds. */
export function checkPayment(
  amount: number,
  orderTotal: number,
  policy: PaymentPolicy,
  currency: string,
  paidBefore = 0,
): number {
  const money = (minor: number) => formatMoney(minor, currency);
  const before = paidBefore > 0 ? ` (with ${money(paidBefore)} paid in points before)` : "";
  if (amount > orderTotal) {
    throw new DomainError("validation_error", `${money(amount)}${before} is more than the order total, ${money(orderTotal)}`, {
      field: "amount",
    });
  }
  const points = pointsFor(amount, policy);
  const share = (amount / orderTotal) * 100;
  const problems: string[] = [];
  if (points < policy.minPoints) problems.push(`at least ${policy.minPoints} points must be used (this is ${points})`);
  if (share < policy.minSharePercent) problems.push(`points must pay at least ${policy.minSharePercent}% of the order`);
  if (share > policy.maxSharePercent) problems.push(`points may pay at most ${policy.maxSharePercent}% of the order`);
  if (problems.length > 0) {
    throw new DomainError("unprocessable", `This payment${before} is outside the programme's limits: ${problems.join("; ")}`, {
      amount,
      paidBefore,
      orderTotal,
      points,
      sharePercent: Math.round(share * 100) / 100,
      policy,
    });
  }
  return points;
}

/**
 * Points a refund of `refund` gives back: in proportion to the money refunded so far, rounded
 * down on the running total, so refunds in any number of parts together return exactly the
 * points paid (the last part takes what is left).
 */
export function refundPoints(
  payment: { amount: number; points: number; refundedAmount: number; refundedPoints: number },
  refund: number,
  currency: string,
): number {
  const after = payment.refundedAmount + refund;
  if (after > payment.amount) {
    throw new DomainError(
      "validation_error",
      `Only ${formatMoney(payment.amount - payment.refundedAmount, currency)} is left to refund`,
      {
        field: "amount",
        refundable: payment.amount - payment.refundedAmount,
      },
    );
  }
  const target = after === payment.amount ? payment.points : Math.floor((payment.points * after) / payment.amount);
  return target - payment.refundedPoints;
}
