export * from './calibration.js';
export * from './apf-capacity.js';
export * from './classify.js';
export * from './request-cost.js';
export * from './flows.js';
export * from './steady-state.js';
export * from './break-even.js';
