import { describe, expect, it } from "vitest";
import { nelderMead } from "./nelder-mead.rules.ts";

/** Rosenbrock's banana valley (Rosenbrock 1960): minimum 0 at (1, ..., 1), the classic hard case for a simplex. */
const rosenbrock = (x: number[]) => {
  let sum = 0;
  for (let i = 0; i + 1 < x.length; i += 1) {
    const xi = x[i] as number;
    const next = x[i + 1] as number;
    sum += 100 * (next - xi * xi) ** 2 + (1 - xi) ** 2;
  }
  return sum;
};

describe("Nelder-Mead", () => {
  it("finds Rosenbrock's minimum from the textbook start (-1.2, 1)", () => {
    const result = nelderMead(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.value).toBeLessThan(1e-12);
  });

  it("finds the four-dimensional Rosenbrock minimum (as many coordinates as the BG/NBD has parameters)", () => {
    const result = nelderMead(rosenbrock, [-1.2, 1, -1.2, 1]);
    expect(result.converged).toBe(true);
    for (const xi of result.x) expect(xi).toBeCloseTo(1, 5);
  });

  it("finds a shifted, scaled quadratic's minimum exactly enough for three-decimal estimates", () => {
    const f = (x: number[]) =>
      ((x[0] as number) - 3) ** 2 + 10 * ((x[1] as number) + 0.5) ** 2 + 0.1 * ((x[2] as number) - 7) ** 2;
    const result = nelderMead(f, [0, 0, 0]);
    expect(result.x[0]).toBeCloseTo(3, 6);
    expect(result.x[1]).toBeCloseTo(-0.5, 6);
    expect(result.x[2]).toBeCloseTo(7, 5);
  });

  it("is deterministic: the same function and start take the same steps", () => {
    const a = nelderMead(rosenbrock, [-1.2, 1, 0.5]);
    const b = nelderMead(rosenbrock, [-1.2, 1, 0.5]);
    expect(b).toEqual(a);
  });

  it("never steps where the function is NaN or infinite (a wall the caller can build)", () => {
    // Minimum of (x - 2)^2 restricted to x <= 1: NaN beyond the wall, so the answer is the wall.
    const f = (x: number[]) => {
      const v = x[0] as number;
      if (v > 1) return Number.NaN;
      return (v - 2) ** 2;
    };
    const result = nelderMead(f, [-3]);
    expect(Number.isFinite(result.value)).toBe(true);
    expect(result.x[0]).toBeLessThanOrEqual(1);
    expect(result.x[0]).toBeCloseTo(1, 6);
  });

  it("says it did not converge when it runs out of iterations", () => {
    const result = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5, restarts: 0 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });

  it("refuses an empty or non-finite start", () => {
    expect(() => nelderMead(rosenbrock, [])).toThrow(RangeError);
    expect(() => nelderMead(rosenbrock, [Number.NaN, 1])).toThrow(RangeError);
  });
});
