/**
 * `takeUntilTerminal`: implemented in `src/internal/take-until-terminal.ts`, because the client
 * ends `watch` and `submit` with it too and the core never imports `operators/` (ARCHITECTURE.md).
 * This is its public home.
 */
export { takeUntilTerminal } from '../src/internal/take-until-terminal.js';
export type { TakeUntilTerminalConfig } from '../src/internal/take-until-terminal.js';
