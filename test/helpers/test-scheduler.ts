import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler as createKitScheduler } from 'runpod-rx/testing';

/** The test kit's TestScheduler (class-aware deep equality), printing jest's diff on a mismatch. */
export function createTestScheduler(): TestScheduler {
  return createKitScheduler((actual, expected) => expect(actual).toEqual(expected));
}
