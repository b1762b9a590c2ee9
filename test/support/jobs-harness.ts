import type { ScaledClock } from '../../src/clock.js';
import { createWorkerSlackClient } from '../../src/jobs/index.js';
import { queuedOperationStatus, renderOperationStatus } from '../../src/messages/operation-status.js';
import type { CreateNotebookRequest } from '../../src/modelarts/schemas.js';
import type { Operation } from '../../src/operations/types.js';
import {
  type LifecycleTimings,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
} from '../../src/simulator/index.js';
import type { RecordedCall } from '../../src/slack-stand-in/fake-slack-api.js';
import { DEFAULT_TIME_SCALE, type Stack, startStack } from './stack.js';

/**
 * The job pipeline alone, over the shared stack (./stack.ts): the tests enqueue operations
 * themselves and post the "queued" status message the way the Slack side would. Simulated time
 * runs 300× faster: a ~3.5 minute create takes ~0.7 s, a 1 h lease 12 s, the 20-minute ready
 * timeout 4 s. Polls and Slack coalescing use real milliseconds, scaled down.
 */
export const TIME_SCALE = DEFAULT_TIME_SCALE;
export const CHANNEL = 'C0JOBS001';
export const USER = 'U0ALICE01';
export const BOT_TOKEN = 'xoxb-test-jobs-token';

export interface Harness extends Stack {
  /** Posts the "queued" status message like the Slack side does, and returns its ts. */
  postQueued(op: Operation): Promise<string>;
  /** The latest state of a message in CHANNEL (after every chat.update). */
  message(ts: string): Record<string, unknown> | undefined;
  /** Thread replies in `threadTs`. */
  replies(threadTs: string): RecordedCall[];
}

export interface HarnessOptions {
  simTimings?: Partial<LifecycleTimings>;
  prefix?: string;
  /** Reuse an existing clock epoch (the crash test shares time with a child process). */
  clock?: ScaledClock;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const stack = await startStack({
    botToken: BOT_TOKEN,
    channel: CHANNEL,
    label: 'jobs',
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.simTimings ? { sim: { timings: options.simTimings } } : {}),
  });
  const { slack } = stack;
  return Object.assign(stack, {
    async postQueued(op: Operation) {
      const rendered = renderOperationStatus(queuedOperationStatus(op, stack.clock.now()));
      const web = createWorkerSlackClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl });
      const res = await web.chat.postMessage({
        channel: op.requester.channelId,
        text: rendered.text,
        blocks: rendered.blocks,
      });
      return res.ts as string;
    },
    message(ts: string) {
      return slack.message(CHANNEL, ts);
    },
    replies(threadTs: string) {
      return slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === threadTs);
    },
  });
}

let counter = 0;
function nextOpId(kind: string): string {
  counter += 1;
  return `${kind}-${Date.now().toString(36)}-${counter}`;
}

export function createRequest(name: string, overrides: Partial<CreateNotebookRequest> = {}): CreateNotebookRequest {
  return {
    name,
    flavor: SIMULATOR_DEFAULT_FLAVOR,
    image_id: SIMULATOR_DEFAULT_IMAGE_ID,
    volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
    lease: { duration: 3_600_000, type: 'TIMING' },
    ...overrides,
  };
}

export function createOp(clock: ScaledClock, name: string, extra: Partial<Operation> = {}): Operation {
  return {
    kind: 'create',
    opId: nextOpId('create'),
    requester: { userId: USER, channelId: CHANNEL, teamId: 'T0TEAM001' },
    requestedAt: clock.now(),
    request: createRequest(name),
    ...extra,
  } as Operation;
}

export function notebookOp<K extends 'start' | 'stop' | 'delete' | 'extend'>(
  clock: ScaledClock,
  kind: K,
  notebookId: string,
  name: string,
  extra: Record<string, unknown> = {},
): Extract<Operation, { kind: K }> {
  const base = {
    kind,
    opId: nextOpId(kind),
    requester: { userId: USER, channelId: CHANNEL },
    requestedAt: clock.now(),
    notebookId,
    name,
  };
  const specific =
    kind === 'start' ? { durationMs: 3_600_000, leaseType: 'TIMING' } : kind === 'extend' ? { addMs: 3_600_000 } : {};
  return { ...base, ...specific, ...extra } as unknown as Extract<Operation, { kind: K }>;
}

/** Every text a message shows (blocks included), for assertions. */
export function messageText(message: Record<string, unknown> | undefined): string {
  return message ? JSON.stringify({ text: message['text'], blocks: message['blocks'] }) : '';
}
