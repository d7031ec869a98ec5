import fc from 'fast-check';
import { MinHeap } from '../../src/internal/min-heap';

describe('MinHeap', () => {
  it('pops what it was given in ascending order, whatever the order of pushes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (values) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const value of values) heap.push(value);
        expect(heap.size).toBe(values.length);
        const out: number[] = [];
        for (let value = heap.pop(); value !== undefined; value = heap.pop()) out.push(value);
        expect(out).toEqual([...values].sort((a, b) => a - b));
        expect(heap.peek()).toBeUndefined();
      }),
    );
  });

  it('retain keeps only the accepted items, still in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 })), (values) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const value of values) heap.push(value);
        heap.retain((value) => value % 2 === 0);
        const out: number[] = [];
        for (let value = heap.pop(); value !== undefined; value = heap.pop()) out.push(value);
        expect(out).toEqual(values.filter((value) => value % 2 === 0).sort((a, b) => a - b));
      }),
    );
  });
});
