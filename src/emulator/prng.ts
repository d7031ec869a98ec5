/** A function returning uniformly distributed numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * mulberry32: a tiny, fast 32-bit seeded PRNG. Not cryptographic; used only to
 * make fault injection and ids reproducible from a seed.
 */
export function mulberry32(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Derives an independent stream from a seed and a stream number, so that, e.g.,
 * fault draws do not shift when more ids are generated.
 */
export function seededStream(seed: number, stream: number): RandomSource {
  const mixed = Math.imul((seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9), 0x85ebca6b) >>> 0;
  return mulberry32(mixed);
}
