import type { RandomSource } from './prng.js';
import type { EmulatorFaults } from './types.js';
import type { RouteName } from '../transport/transport.js';

/** The fault chosen for one request, if any. */
export type FaultDecision =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'throttle' | 'serverError' | 'reset' | 'malformed' | 'truncated'; latencyMs: number };

/** Validates a rate in [0, 1]. */
function rate(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!(typeof value === 'number' && value >= 0 && value <= 1)) {
    throw new RangeError(`faults.${name} must be a number in [0, 1]`);
  }
  return value;
}

/**
 * Draws faults per request from a seeded PRNG. Every request consumes the same
 * number of draws (one per kind, in a fixed order), so a seed reproduces the
 * same fault sequence for the same request sequence.
 */
export class FaultInjector {
  private readonly rates: {
    throttle: number;
    serverError: number;
    reset: number;
    malformed: number;
    truncated: number;
    latency: number;
  };
  private readonly latencyMs: number;
  private readonly routes: ReadonlySet<RouteName> | undefined;

  /**
   * @param config fault rates (validated).
   * @param random seeded PRNG.
   */
  constructor(
    config: EmulatorFaults | undefined,
    private readonly random: RandomSource,
  ) {
    const c = config ?? {};
    this.rates = {
      throttle: rate('throttle', c.throttle),
      serverError: rate('serverError', c.serverError),
      reset: rate('reset', c.reset),
      malformed: rate('malformed', c.malformed),
      truncated: rate('truncated', c.truncated),
      latency: rate('latency.rate', c.latency?.rate),
    };
    this.latencyMs = Math.max(0, c.latency?.ms ?? 0);
    this.routes = c.routes ? new Set(c.routes) : undefined;
  }

  /** True when any fault can ever fire. */
  get enabled(): boolean {
    return Object.values(this.rates).some((r) => r > 0);
  }

  /** Decides the fault for one request to `route`. */
  draw(route: RouteName): FaultDecision {
    if (!this.enabled || (this.routes && !this.routes.has(route))) return { kind: 'none', latencyMs: 0 };
    const r = this.rates;
    const hit = (p: number): boolean => this.random() < p;
    // One draw per kind, always, in this order (reproducibility).
    const latency = hit(r.latency);
    const throttle = hit(r.throttle);
    const serverError = hit(r.serverError);
    const reset = hit(r.reset);
    const malformed = hit(r.malformed);
    const truncated = hit(r.truncated);
    const latencyMs = latency ? this.latencyMs : 0;
    if (throttle) return { kind: 'throttle', latencyMs };
    if (serverError) return { kind: 'serverError', latencyMs };
    if (reset) return { kind: 'reset', latencyMs };
    if (malformed) return { kind: 'malformed', latencyMs };
    if (truncated) return { kind: 'truncated', latencyMs };
    return { kind: 'none', latencyMs };
  }
}
