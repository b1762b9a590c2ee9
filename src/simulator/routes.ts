import type { SimOperation } from './stats.js';

/** A matched API route: the operation and its path parameters (decoded). */
export interface RouteMatch {
  operation: SimOperation;
  projectId?: string;
  id?: string;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Maps method and raw path to an operation. Unknown paths and wrong methods are `unknown`
 * (answered like the gateway: 404 APIG.0101). A trailing `/` is tolerated.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  const segs = rawPath.split('/').filter(Boolean);
  const unknown: RouteMatch = { operation: 'unknown' };
  if (segs.length === 3 && segs[0] === 'v3' && segs[1] === 'auth' && segs[2] === 'tokens') {
    return method === 'POST' ? { operation: 'iamToken' } : unknown;
  }
  if (segs[0] !== 'v1' || segs.length < 3) return unknown;
  const projectId = decode(segs[1]!);
  if (projectId === undefined) return unknown;
  const [, , collection, a, b] = segs;

  if (collection === 'images') {
    return segs.length === 3 && method === 'GET' ? { operation: 'listImages', projectId } : unknown;
  }
  if (collection !== 'notebooks') return unknown;

  if (segs.length === 3) {
    if (method === 'POST') return { operation: 'create', projectId };
    if (method === 'GET') return { operation: 'list', projectId };
    return unknown;
  }
  const id = decode(a!);
  if (id === undefined) return unknown;
  if (segs.length === 4) {
    if (id === 'flavors') return method === 'GET' ? { operation: 'listFlavors', projectId } : unknown;
    if (method === 'GET') return { operation: 'show', projectId, id };
    if (method === 'PUT') return { operation: 'update', projectId, id };
    if (method === 'DELETE') return { operation: 'delete', projectId, id };
    return unknown;
  }
  if (segs.length === 5) {
    if (b === 'start' && method === 'POST') return { operation: 'start', projectId, id };
    if (b === 'stop' && method === 'POST') return { operation: 'stop', projectId, id };
    if (b === 'lease' && method === 'GET') return { operation: 'showLease', projectId, id };
    if (b === 'lease' && method === 'PATCH') return { operation: 'renewLease', projectId, id };
    if (b === 'flavors' && method === 'GET') return { operation: 'switchableFlavors', projectId, id };
  }
  return unknown;
}
