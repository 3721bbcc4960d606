/**
 * The report's formatting vocabulary. It lives in src/core/format.ts so that the rollout controller,
 * analyze and the simulator's adapters (which may not import report/) format numbers in their
 * messages the same way; report modules import it from here.
 */
export * from '../core/format.js';
