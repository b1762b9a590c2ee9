/** The verbs a picker button (or a delete confirmation) carries out. */
export const PICK_VERBS = ['start', 'stop', 'delete', 'status', 'extend'] as const;
export type PickVerb = (typeof PICK_VERBS)[number];

/** What a picker button remembers about the request it completes. */
export interface PickValue {
  verb: PickVerb;
  notebookId: string;
  name: string;
  /** start: lease in ms and its type. */
  durationMs?: number;
  leaseType?: 'TIMING' | 'IDLE';
  /** extend: ms to add. */
  addMs?: number;
}

/** Encodes a button value (≤ 2000 chars: ids and names are short). */
export function encodePick(v: PickValue): string {
  return JSON.stringify([v.verb, v.notebookId, v.name, v.durationMs ?? 0, v.leaseType ?? '', v.addMs ?? 0]);
}

/**
 * Decodes a button value, or undefined when it is not one of ours: anyone can forge a payload,
 * so every field is checked.
 */
export function decodePick(raw: string | undefined): PickValue | undefined {
  if (!raw || raw.length > 2000) return undefined;
  let arr: unknown;
  try {
    arr = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(arr) || arr.length !== 6) return undefined;
  const [verb, id, name, durationMs, leaseType, addMs] = arr as unknown[];
  if (typeof verb !== 'string' || !(PICK_VERBS as readonly string[]).includes(verb)) return undefined;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) return undefined;
  if (typeof name !== 'string' || name.length > 128) return undefined;
  if (
    typeof durationMs !== 'number' ||
    typeof addMs !== 'number' ||
    !Number.isFinite(durationMs) ||
    !Number.isFinite(addMs)
  ) {
    return undefined;
  }
  if (leaseType !== '' && leaseType !== 'TIMING' && leaseType !== 'IDLE') return undefined;
  return {
    verb: verb as PickVerb,
    notebookId: id,
    name,
    ...(durationMs > 0 ? { durationMs } : {}),
    ...(leaseType ? { leaseType } : {}),
    ...(addMs > 0 ? { addMs } : {}),
  };
}
