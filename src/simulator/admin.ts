import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { NOTEBOOK_STATUSES } from './contract.js';
import type { SimCore } from './core.js';
import { SimApiError } from './errors.js';
import { jsonBody, queryParams, readBody, sendJson } from './http.js';
import { intParam } from './paging.js';
import { anyCaseEnum, forceStatus, seedInstances } from './seed.js';
import { SIM_OPERATIONS } from './stats.js';

/**
 * Control endpoints under `/__sim/`, so a test in another process, the demo or curl can drive
 * the simulator. No signature, no faults, not counted in stats. Errors use `SIM.*` codes so they
 * can never be mistaken for the service's own.
 *
 * | method | path | body / query |
 * |---|---|---|
 * | GET | /__sim/health | |
 * | GET | /__sim/config | project id, region, AKs, timings, clock |
 * | GET | /__sim/stats | `?log=N` last N log entries (default 100) |
 * | POST | /__sim/reset | instances, faults, stats, tokens |
 * | POST | /__sim/seed | SeedSpec → `{count, ids}` |
 * | GET | /__sim/instances | `?status=&limit=` → `{total, data}` |
 * | GET / DELETE | /__sim/instances/{id} | view / remove at once |
 * | POST | /__sim/instances/{id}/force | `{status, fail_reason?}` |
 * | GET / DELETE | /__sim/faults | armed faults / disarm all |
 * | POST | /__sim/faults/{create-failures,start-failures,delete-failures} | `{count?, reason?}` |
 * | POST | /__sim/faults/{hang-creates,hang-starts} | `{count?}` |
 * | POST | /__sim/faults/throttle | `{count?, fraction?, forMs?, operations?, retryAfterSec?}` |
 * | POST | /__sim/faults/server-errors | `{count?, fraction?, forMs?, operations?, status?}` |
 * | POST | /__sim/faults/delay | `{ms, count?, fraction?, forMs?, operations?}` |
 * | POST | /__sim/faults/drop | `{count?, fraction?, forMs?, operations?, afterProcessing?}` |
 * | GET | /__sim/clock | `{now, iso}` |
 * | POST | /__sim/clock/advance | `{ms}` (ScaledClock / ManualClock) |
 */

const adminError = (status: number, msg: string) =>
  new SimApiError(status, { error_code: status === 404 ? 'SIM.0404' : 'SIM.0400', error_msg: msg });

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  throw adminError(400, r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
}

const matchShape = {
  count: z.number().int().min(0).optional(),
  fraction: z.number().min(0).max(1).optional(),
  forMs: z.number().min(0).optional(),
  operations: z.array(z.enum(SIM_OPERATIONS)).optional(),
};
const QueueBody = z.object({ count: z.number().int().min(0).default(1), reason: z.string().optional() });
const CountBody = z.object({ count: z.number().int().min(0).default(1) });
const ThrottleBody = z.object({ ...matchShape, retryAfterSec: z.number().int().min(0).optional() });
const ServerErrorBody = z.object({
  ...matchShape,
  status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
});
const DelayBody = z.object({ ...matchShape, ms: z.number().min(0) });
const DropBody = z.object({ ...matchShape, afterProcessing: z.boolean().optional() });
const ForceBody = z.object({ status: anyCaseEnum(NOTEBOOK_STATUSES, 'status'), fail_reason: z.string().optional() });
const AdvanceBody = z.object({ ms: z.number().min(0) });

/** Strips undefined values so optional fields stay absent (exactOptionalPropertyTypes). */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

export async function handleAdmin(
  core: SimCore,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  rawQuery: string,
): Promise<void> {
  try {
    const body = jsonBody(await readBody(req));
    const answer = route(core, (req.method ?? 'GET').toUpperCase(), path.replace(/\/+$/, '') || '/', rawQuery, body);
    sendJson(res, 200, answer);
  } catch (err) {
    if (err instanceof SimApiError) sendJson(res, err.status, err.body, err.headers);
    else throw err;
  }
}

function route(core: SimCore, method: string, path: string, rawQuery: string, body: () => unknown): unknown {
  const query = queryParams(rawQuery);
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  const key = `${method} /${segs.join('/')}`;
  const f = core.faults;

  switch (key) {
    case 'GET /health':
      return { ok: true };
    case 'GET /config':
      return {
        projectId: core.projectId,
        region: core.region,
        timings: core.timings,
        iam: core.iam !== undefined,
        now: core.clock.now(),
      };
    case 'GET /stats':
      return core.stats.snapshot(intParam(query, 'log', 100, 0, 1_000_000));
    case 'POST /reset':
      core.reset();
      return { ok: true };
    case 'POST /seed': {
      const ids = seedInstances(body() as never, {
        clock: core.clock,
        catalog: core.catalog,
        table: core.table,
        user: core.defaultUser,
      });
      return { count: ids.length, ids };
    }
    case 'GET /instances': {
      const now = core.clock.now();
      const status = query['status']?.toUpperCase();
      const limit = intParam(query, 'limit', 1_000_000, 1, 1_000_000);
      const recs = core.table
        .all(now)
        .filter((r) => !status || r.status === status)
        .sort((a, b) => b.createAt - a.createAt || b.seq - a.seq);
      return { total: recs.length, data: recs.slice(0, limit).map((r) => core.service.render(r)) };
    }
    case 'GET /faults':
      return f.snapshot();
    case 'DELETE /faults':
      f.clear();
      return f.snapshot();
    case 'POST /faults/create-failures': {
      const b = parse(QueueBody, body());
      f.failNextCreates(b.count, b.reason);
      return f.snapshot();
    }
    case 'POST /faults/start-failures': {
      const b = parse(QueueBody, body());
      f.failNextStarts(b.count, b.reason);
      return f.snapshot();
    }
    case 'POST /faults/delete-failures': {
      const b = parse(QueueBody, body());
      f.failNextDeletes(b.count, b.reason);
      return f.snapshot();
    }
    case 'POST /faults/hang-creates':
      f.hangNextCreates(parse(CountBody, body()).count);
      return f.snapshot();
    case 'POST /faults/hang-starts':
      f.hangNextStarts(parse(CountBody, body()).count);
      return f.snapshot();
    case 'POST /faults/throttle':
      f.throttle(defined(parse(ThrottleBody, body())));
      return f.snapshot();
    case 'POST /faults/server-errors':
      f.serverErrors(defined(parse(ServerErrorBody, body())));
      return f.snapshot();
    case 'POST /faults/delay':
      f.delay(defined(parse(DelayBody, body())));
      return f.snapshot();
    case 'POST /faults/drop':
      f.dropConnections(defined(parse(DropBody, body())));
      return f.snapshot();
    case 'GET /clock': {
      const now = core.clock.now();
      return { now, iso: new Date(now).toISOString() };
    }
    case 'POST /clock/advance': {
      const clock = core.clock as { advance?: (ms: number) => void; now(): number };
      if (typeof clock.advance !== 'function') throw adminError(400, 'this clock cannot be advanced');
      clock.advance(parse(AdvanceBody, body()).ms);
      const now = clock.now();
      return { now, iso: new Date(now).toISOString() };
    }
    default:
      return instanceRoute(core, method, segs, body);
  }
}

function instanceRoute(core: SimCore, method: string, segs: string[], body: () => unknown): unknown {
  if (segs[0] !== 'instances' || segs.length < 2 || segs.length > 3) throw adminError(404, 'no such admin endpoint');
  const id = segs[1]!;
  const now = core.clock.now();
  if (segs.length === 2 && method === 'GET') {
    const rec = core.table.get(id, now);
    if (!rec) throw adminError(404, `no instance ${id}`);
    return core.service.render(rec);
  }
  if (segs.length === 2 && method === 'DELETE') {
    if (!core.table.remove(id)) throw adminError(404, `no instance ${id}`);
    return { ok: true };
  }
  if (segs.length === 3 && segs[2] === 'force' && method === 'POST') {
    const b = parse(ForceBody, body());
    if (!forceStatus(core.table, id, b.status, now, b.fail_reason)) throw adminError(404, `no instance ${id}`);
    const rec = core.table.get(id, now);
    return rec ? core.service.render(rec) : { id, status: 'DELETED' };
  }
  throw adminError(404, 'no such admin endpoint');
}
