import type { ClientResult } from './run';

/** A result row with no figure measured: the base of rows that measure only a few (e, t) or none (a failed client). */
export const NO_FIGURES: ClientResult = {
  requestsPerJob: null,
  p50Ms: null,
  p99Ms: null,
  cpuMsPerJob: null,
  rssMb: null,
  wallMs: null,
  errored: null,
  lost: null,
  duplicated: null,
};
