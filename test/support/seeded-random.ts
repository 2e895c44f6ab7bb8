/**
 * A small seeded pseudo-random generator (mulberry32): tests, fakes and benchmarks that need
 * "random" data or faults use it so every run, and every failure, reproduces. The same one the
 * conformance kit uses.
 */
export { seededRandom } from "../../src/sdk/testing/random.ts";
