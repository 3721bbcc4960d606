export * from './types.js';
export * from './samples.js';
export * from './threshold.js';
export * from './extrapolation.js';
