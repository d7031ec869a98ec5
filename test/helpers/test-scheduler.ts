import type { TestScheduler } from 'rxjs/testing';
import { createTestScheduler as createKitScheduler } from 'runpod-rx/testing';

/** The test kit's TestScheduler (errors compared by name and message), asserting with jest. */
export function createTestScheduler(): TestScheduler {
  return createKitScheduler((actual, expected) => expect(actual).toEqual(expected));
}
