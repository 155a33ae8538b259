/**
 * What the tests take from the runner's environment, read in one place (the application reads its
 * own only in src/config.ts).
 */

/** The PATH the tests were started with: handed to the sandbox and to child processes. */
export const HOST_PATH = process.env.PATH ?? '/usr/bin:/bin';

/** The two-year lifecycle simulation's fleet: 1,000 instances, the figure (smaller with SIM_INSTANCES while working on it). */
export const SIM_INSTANCES = Number(process.env.SIM_INSTANCES ?? 1000);
