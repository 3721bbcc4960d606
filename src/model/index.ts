export * from './apf.js';
export * from './resources.js';
export * from './api-profile.js';
