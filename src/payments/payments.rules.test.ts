import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amountFor, checkPayment, pointsFor, quote, refundPoints } from "./payments.rules.ts";

const policy = { pointValue: 1, minPoints: 100, minSharePercent: 0, maxSharePercent: 50 };

describe("pointsFor / amountFor", () => {
  it.each([
    [500, 1, 500],
    [501, 2, 251],
    [700, 7, 100],
    [7, 0.07, 100],
    [1, 0.5, 2],
    [999, 10, 100],
  ])("%i minor units at %d per point cost %i points (rounded up)", (amount, pointValue, points) => {
    expect(pointsFor(amount, { pointValue })).toBe(points);
  });

  it("never gives more money than the points are worth", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.constantFrom(0.01, 0.07, 0.5, 1, 2, 7, 10),
        (amount, pointValue) => {
          const points = pointsFor(amount, { pointValue });
          expect(points * pointValue).toBeGreaterThanOrEqual(amount - 1e-6);
          expect((points - 1) * pointValue).toBeLessThan(amount);
          expect(amountFor(points, { pointValue })).toBeGreaterThanOrEqual(amount);
        },
      ),
    );
  });
});

describe("checkPayment", () => {
  it("accepts a payment inside the limits", () => {
    expect(checkPayment(1_000, 2_000, policy, "USD")).toBe(1_000);
  });
  it.each([
    [1_001, 2_000, "at most 50%"],
    [99, 2_000, "at least 100 points"],
  ])("refuses %i of %i: %s", (amount, total, message) => {
    expect(() => checkPayment(amount, total, policy, "USD")).toThrow(message);
  });
  it("refuses more than the order", () => {
    expect(() => checkPayment(3_000, 2_000, policy, "USD")).toThrow("$30.00 is more than the order total, $20.00");
  });
  it("respects a minimum share", () => {
    expect(() => checkPayment(100, 1_000, { ...policy, minSharePercent: 20 }, "USD")).toThrow("at least 20%");
  });
});

describe("quote", () => {
  it("is bounded by the share and by the balance", () => {
    expect(quote(10_000, 3_000, policy)).toEqual({ minAmount: 100, maxAmount: 3_000, maxPoints: 3_000 });
    expect(quote(10_000, 9_000, policy)).toEqual({ minAmount: 100, maxAmount: 5_000, maxPoints: 5_000 });
    expect(quote(10_000, 50, policy).maxPoints).toBe(0);
  });
});

describe("refundPoints", () => {
  it("gives back exactly the points paid over any split of refunds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 }),
        (amount, points, weights) => {
          const sum = weights.reduce((a, b) => a + b, 0);
          let refundedAmount = 0;
          let refundedPoints = 0;
          weights.forEach((w, i) => {
            const part = i === weights.length - 1 ? amount - refundedAmount : Math.floor((amount * w) / sum);
            const back = refundPoints({ amount, points, refundedAmount, refundedPoints }, part, "USD");
            expect(back).toBeGreaterThanOrEqual(0);
            refundedAmount += part;
            refundedPoints += back;
            expect(refundedPoints).toBeLessThanOrEqual(points);
          });
          expect(refundedPoints).toBe(points);
        },
      ),
    );
  });
  it("refuses more than is left", () => {
    expect(() => refundPoints({ amount: 100, points: 100, refundedAmount: 60, refundedPoints: 60 }, 41, "USD")).toThrow(
      "Only $0.40 is left to refund",
    );
  });
});
