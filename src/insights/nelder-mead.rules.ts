/**
 * A small Nelder-Mead simplex minimiser (Nelder & Mead 1965, with the standard coefficients: reflection 1,
 * expansion 2, contraction 1/2, shrink 1/2, as in Lagarias et al. 1998 and SciPy's `fmin`). It needs no
 * gradient, which suits likelihoods written on special functions (2F1, log-gamma) whose derivatives we would
 * otherwise have to code by hand. It is deterministic: the same function and start give the same steps.
 *
 * The customer-value models call it in log-parameter space, so every parameter stays positive and a step of
 * 0.1 means "10% larger" whatever the parameter's scale.
 */

export interface NelderMeadOptions {
  /** Size of the first simplex's steps from the start, per coordinate (default 0.5). */
  initialStep?: number;
  /** Stop when every vertex is within this distance of the best one, coordinate by coordinate (default 1e-10). */
  xTolerance?: number;
  /** ... and every vertex's value within this of the best one (default 1e-12). */
  fTolerance?: number;
  /** Most iterations per run (default 2,000 x dimension). */
  maxIterations?: number;
  /**
   * Runs after the first, each starting a fresh simplex at the previous best point (default 2): a simplex can
   * collapse onto a line before it reaches the minimum, and a new one around the best point gets going again.
   * Restarts stop early once a run improves the value by less than `fTolerance`.
   */
  restarts?: number;
}

export interface NelderMeadResult {
  /** The best point found. */
  x: number[];
  /** The function's value there. */
  value: number;
  /** Iterations over all runs. */
  iterations: number;
  /** Function evaluations over all runs. */
  evaluations: number;
  /** True when the last run stopped on the tolerances, not on `maxIterations`. */
  converged: boolean;
}

/** Values that are NaN or infinite count as +Infinity, so a step into a region where the function fails is never taken. */
function safe(f: (x: number[]) => number): (x: number[]) => number {
  return (x) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
}

function along(from: number[], to: number[], t: number): number[] {
  return from.map((v, i) => v + t * ((to[i] as number) - v));
}

interface Run {
  x: number[];
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

function runOnce(f: (x: number[]) => number, start: number[], step: number, xTol: number, fTol: number, maxIter: number): Run {
  const n = start.length;
  // The first simplex: the start and one vertex per coordinate, `step` along it (SciPy uses 5% of the value;
  // in log space an absolute step is the natural one).
  let simplex: number[][] = [start.slice()];
  for (let i = 0; i < n; i += 1) {
    const v = start.slice();
    v[i] = (v[i] as number) + step;
    simplex.push(v);
  }
  let values = simplex.map(f);
  let evaluations = n + 1;
  let iterations = 0;

  const sort = () => {
    const order = values.map((_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number) || i - j);
    simplex = order.map((i) => simplex[i] as number[]);
    values = order.map((i) => values[i] as number);
  };
  sort();

  const done = () => {
    const best = simplex[0] as number[];
    const bestValue = values[0] as number;
    for (let k = 1; k <= n; k += 1) {
      const vk = values[k] as number;
      if (!(Math.abs(vk - bestValue) <= fTol)) return false;
      const xk = simplex[k] as number[];
      for (let i = 0; i < n; i += 1) if (!(Math.abs((xk[i] as number) - (best[i] as number)) <= xTol)) return false;
    }
    return true;
  };

  while (iterations < maxIter && !done()) {
    iterations += 1;
    const worst = simplex[n] as number[];
    const worstValue = values[n] as number;
    const secondWorstValue = values[n - 1] as number;
    const bestValue = values[0] as number;
    // Centroid of every vertex but the worst.
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k += 1) {
      const v = simplex[k] as number[];
      for (let i = 0; i < n; i += 1) centroid[i] = (centroid[i] as number) + (v[i] as number) / n;
    }
    const reflected = along(centroid, worst, -1);
    const reflectedValue = f(reflected);
    evaluations += 1;

    if (reflectedValue < bestValue) {
      const expanded = along(centroid, worst, -2);
      const expandedValue = f(expanded);
      evaluations += 1;
      if (expandedValue < reflectedValue) {
        simplex[n] = expanded;
        values[n] = expandedValue;
      } else {
        simplex[n] = reflected;
        values[n] = reflectedValue;
      }
    } else if (reflectedValue < secondWorstValue) {
      simplex[n] = reflected;
      values[n] = reflectedValue;
    } else {
      // Contract: outside (towards the reflected point) when it beat the worst, inside otherwise.
      const outside = reflectedValue < worstValue;
      const contracted = outside ? along(centroid, worst, -0.5) : along(centroid, worst, 0.5);
      const contractedValue = f(contracted);
      evaluations += 1;
      if (contractedValue < (outside ? reflectedValue : worstValue)) {
        simplex[n] = contracted;
        values[n] = contractedValue;
      } else {
        // Shrink every vertex halfway towards the best.
        const best = simplex[0] as number[];
        for (let k = 1; k <= n; k += 1) {
          simplex[k] = along(best, simplex[k] as number[], 0.5);
          values[k] = f(simplex[k] as number[]);
        }
        evaluations += n;
      }
    }
    sort();
  }
  return { x: (simplex[0] as number[]).slice(), value: values[0] as number, iterations, evaluations, converged: done() };
}

/**
 * Minimises `f` from `start`. Points where `f` is NaN or infinite are treated as +Infinity (never accepted),
 * so a caller can return Infinity to keep the search inside a region. The start must be a finite point.
 */
export function nelderMead(
  f: (x: number[]) => number,
  start: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  if (start.length === 0) throw new RangeError("nelderMead needs at least one coordinate");
  if (!start.every(Number.isFinite)) throw new RangeError("nelderMead needs a finite start");
  const n = start.length;
  const step = options.initialStep ?? 0.5;
  const xTol = options.xTolerance ?? 1e-10;
  const fTol = options.fTolerance ?? 1e-12;
  const maxIter = options.maxIterations ?? 2000 * n;
  const restarts = options.restarts ?? 2;
  const g = safe(f);

  let run = runOnce(g, start.slice(), step, xTol, fTol, maxIter);
  let iterations = run.iterations;
  let evaluations = run.evaluations;
  for (let k = 0; k < restarts; k += 1) {
    const next = runOnce(g, run.x, step, xTol, fTol, maxIter);
    iterations += next.iterations;
    evaluations += next.evaluations;
    const improvement = run.value - next.value;
    if (next.value <= run.value) run = next;
    else run = { ...run, converged: next.converged && run.converged };
    if (!(improvement > fTol)) break;
  }
  return { x: run.x, value: run.value, iterations, evaluations, converged: run.converged };
}
