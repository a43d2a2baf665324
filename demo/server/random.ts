/** Seeded randomness for the arena's server side, so a room with a given seed plays out the same. */

/** Creates a pseudo-random generator (mulberry32) returning numbers in [0, 1) from a 32-bit `seed`. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
