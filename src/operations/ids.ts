import { createHash } from 'node:crypto';

/**
 * A deterministic operation id from the parts that identify one user intent: the same Slack
 * request replayed (a retry, a double submit of the same view, a double click on the same
 * rendered button) yields the same id, so the queue and the dedupe key see one request.
 * Safe as a BullMQ job id (hex, no colon).
 */
export function operationId(kind: string, ...parts: Array<string | number | undefined>): string {
  const h = createHash('sha256');
  h.update(kind);
  for (const p of parts) h.update(`\u0000${p ?? ''}`);
  return `${kind}-${h.digest('hex').slice(0, 32)}`;
}
