/**
 * The version of runpod-rx, as in package.json. Kept by hand rather than read from package.json
 * at run time: importing JSON differs between the CommonJS and ESM builds and a browser bundle.
 * test/internal/version.spec.ts fails when the two disagree.
 */
export const VERSION = '0.1.0';

/** What the client sends as `User-Agent` where it may (Node, not a browser). */
export const USER_AGENT = `runpod-rx/${VERSION}`;
