/**
 * The request budget: implemented in `src/internal/request-budget.ts`, because the test kit's fake
 * endpoint counts requests with it too and the core never imports `operators/` (ARCHITECTURE.md).
 * This is its public home.
 */
export {
  RUNPOD_RATE_LIMITS,
  RUNPOD_RATE_WINDOW,
  budgetBucketOf,
  createRequestBudget,
} from '../src/internal/request-budget.js';
export type { BudgetBucket, RequestBudget, RequestBudgetConfig } from '../src/internal/request-budget.js';
