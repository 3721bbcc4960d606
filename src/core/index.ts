export * from './errors.js';
export * from './random.js';
export * from './duration.js';
export * from './wall-clock.js';
export * from './atomic-write.js';
export * from './order.js';
export * from './clock.js';
export * from './format.js';
