/** Benchmark child that loads nothing: the RSS floor of a child run through tsx (see lifecycle.ts). */
import { serveParent } from './serve-parent.js';

serveParent({ pid: process.pid }, {}, async () => undefined);
