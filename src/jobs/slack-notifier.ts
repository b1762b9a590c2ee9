/**
 * Moved to `./outbox/` (issue 13). This re-export keeps the imports that are not ours to change
 * yet (jobs/worker.ts, test/support, bench) working; import from `./outbox/index.js` (or, from
 * outside src/jobs, from `jobs/index.ts`) instead, and delete this file once nothing uses it.
 */
export * from './outbox/index.js';
