/** Benchmark child that loads nothing: the RSS floor of a child run through tsx (see lifecycle.ts). */
import { serveParent } from './child.js';

serveParent({ pid: process.pid }, {}, async () => undefined);
