/**
 * runpod-rx/operators: composable operators for RunPod job pipelines. This file is the only place
 * operators are exported from.
 * @packageDocumentation
 */
export { fanOut } from './fan-out.js';
export type { FanOutConfig, FanOutResult } from './fan-out.js';
export { pollUntilTerminal } from './poll-until-terminal.js';
export type { JobRef, PollUntilTerminalConfig } from './poll-until-terminal.js';
export { RUNPOD_RATE_LIMITS, RUNPOD_RATE_WINDOW, budgetBucketOf, createRequestBudget } from './request-budget.js';
export type { BudgetBucket, RequestBudget, RequestBudgetConfig } from './request-budget.js';
export { retryOnThrottle } from './retry-on-throttle.js';
export type { RetryOnThrottleConfig } from './retry-on-throttle.js';
export { selectOutput } from './select-output.js';
export type { SelectOutputConfig } from './select-output.js';
export { takeUntilTerminal } from './take-until-terminal.js';
export type { TakeUntilTerminalConfig } from './take-until-terminal.js';
export { throwOnJobFailure } from './throw-on-job-failure.js';
export type { FailureStatus, ThrowOnJobFailureConfig } from './throw-on-job-failure.js';
