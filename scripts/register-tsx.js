// @ts-check
// `node --import ./scripts/register-tsx.js …`: TypeScript through tsx on every thread, for tests and
// `npm run dev`. `--import tsx` registers its loader on the main thread only (Node 20), so compare's worker
// threads, which inherit this preload, could not load their .ts entry; tsx's API registers on any thread.
import { register } from 'tsx/esm/api';

register();
