import { describe, expect, it } from 'vitest';
import { explainFailure } from '../src/jobs/explain-failure.js';
import {
  DEFAULT_POLL_TIMING,
  deletedVerdict,
  nextPollDelay,
  pollTimingFromEnv,
  readyVerdict,
  stoppedVerdict,
  throttleDelay,
  transientRetryDelay,
} from '../src/jobs/polling.js';
import { jobIdForOp } from '../src/jobs/queues.js';
import { escapeMrkdwn } from '../src/messages/format.js';
import {
  OPEN_JUPYTERLAB_ACTION_ID,
  type OperationStatus,
  queuedOperationStatus,
  renderOperationStatus,
  renderReadyReply,
  STATUS_BLOCK_ID,
  safeNotebookUrl,
  stepsFromActionProgress,
} from '../src/messages/operation-status.js';
import {
  ModelArtsApiError,
  ModelArtsNotFoundError,
  ModelArtsServerError,
  ModelArtsTimeoutError,
} from '../src/modelarts/errors.js';
import { type Notebook, NotebookSchema } from '../src/modelarts/schemas.js';

const nb = (fields: Record<string, unknown>): Notebook => NotebookSchema.parse({ id: 'nb-1', ...fields });

const base: OperationStatus = {
  kind: 'create',
  notebookName: 'alpha',
  requesterId: 'U123',
  phase: 'working',
  requestedAt: 1_000_000,
  now: 1_000_000 + 95_000,
};

describe('status blocks', () => {
  it('escapes &, < and > in user text', () => {
    expect(escapeMrkdwn('<!channel> & <@U1> > x')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; &gt; x');
    const r = renderOperationStatus({ ...base, notebookName: '<!here>&', detail: 'a <b>', failure: { reason: '<x>' } });
    const json = JSON.stringify(r);
    expect(json).not.toContain('<!here>');
    expect(json).toContain('&lt;!here&gt;&amp;');
    expect(json).toContain('a &lt;b&gt;');
  });

  it('shows the four steps with their state, the requester, the elapsed time and the status', () => {
    const steps = stepsFromActionProgress([
      { step: 2, status: 'PROCESSING', step_description: 'Allocating <GPU>' },
      { step: 1, status: 'COMPLETED' },
      { step: 3, status: 'WAITING' },
      { step: 4, status: 'weird' },
    ]);
    expect(steps.map((s) => [s.step, s.state])).toEqual([
      [1, 'completed'],
      [2, 'processing'],
      [3, 'waiting'],
      [4, 'waiting'],
    ]);
    const json = JSON.stringify(renderOperationStatus({ ...base, steps, notebookStatus: 'CREATING' }));
    for (const label of ['Storage', 'Compute', 'Network', 'Initialisation']) expect(json).toContain(label);
    expect(json).toContain('Allocating &lt;GPU&gt;');
    expect(json).toContain('<@U123>');
    expect(json).toContain('elapsed 2 min'); // 95 s, to the nearest minute
    expect(json).toContain('CREATING');
  });

  it('ready: an Open JupyterLab url button, only for safe http(s) urls, never with a token', () => {
    const ready = renderOperationStatus({
      ...base,
      phase: 'ready',
      url: 'https://lab.example.com/nb-1/lab?token=s3cret&x=1',
    });
    const json = JSON.stringify(ready);
    expect(json).toContain(OPEN_JUPYTERLAB_ACTION_ID);
    expect(json).toContain('https://lab.example.com/nb-1/lab?x=1');
    expect(json).not.toContain('s3cret');
    expect(ready.text).toContain('is ready');
    expect(
      JSON.stringify(renderOperationStatus({ ...base, phase: 'ready', url: 'javascript:alert(1)' })),
    ).not.toContain(OPEN_JUPYTERLAB_ACTION_ID);
    // A url is only a button once ready.
    expect(JSON.stringify(renderOperationStatus({ ...base, url: 'https://lab.example.com/' }))).not.toContain(
      OPEN_JUPYTERLAB_ACTION_ID,
    );
    expect(safeNotebookUrl(undefined)).toBeUndefined();
    expect(safeNotebookUrl('not a url')).toBeUndefined();
  });

  it('failed: reason and what to try; slow: says it keeps watching', () => {
    const failed = renderOperationStatus({
      ...base,
      phase: 'failed',
      failure: { reason: 'No capacity.', hint: 'Try another flavor.' },
    });
    expect(failed.text).toBe('Could not create notebook alpha: No capacity.');
    expect(JSON.stringify(failed.blocks)).toContain('What to try:* Try another flavor.');
    const slow = renderOperationStatus({ ...base, phase: 'slow' });
    expect(slow.text).toContain('still not ready');
    expect(JSON.stringify(slow.blocks)).toContain('keeps watching');
    expect(renderOperationStatus({ ...base, kind: 'stop', phase: 'slow' }).text).toContain('still stopping');
  });

  it('renders the queued message of an operation (what the Slack side posts first)', () => {
    const s = queuedOperationStatus(
      {
        kind: 'stop',
        opId: 'op1',
        requester: { userId: 'U9', channelId: 'C1' },
        requestedAt: 5,
        notebookId: 'nb',
        name: 'beta',
      },
      60_005,
    );
    const r = renderOperationStatus(s);
    expect(r.text).toBe('Queued: stop notebook beta');
    expect(JSON.stringify(r.blocks)).toContain('elapsed 1 min');
    expect(renderReadyReply('U9', '<b>').text).toContain('<@U9>');
    expect(renderReadyReply('U9', '<b>').text).toContain('&lt;b&gt;');
  });

  it('puts the Open JupyterLab button in the ready reply itself, never a token', () => {
    const url = 'https://authoring.example.com/lab/nb-1/lab';
    const withUrl = renderReadyReply('U9', 'nb', url);
    expect(withUrl.text).toBe('<@U9> your notebook *nb* is running.');
    const buttons = withUrl.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons).toEqual([expect.objectContaining({ action_id: OPEN_JUPYTERLAB_ACTION_ID, url })]);
    const withToken = renderReadyReply('U9', 'nb', `${url}?token=s3cret`);
    expect(JSON.stringify(withToken)).not.toContain('s3cret');
    // Without an address there is no button, and the reply does not point at one.
    const without = renderReadyReply('U9', 'nb');
    expect(without.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(without)).not.toContain('button');
  });

  it('is pure: the same state renders the same blocks', () => {
    expect(renderOperationStatus(base)).toEqual(renderOperationStatus({ ...base }));
  });

  it('shows the creation steps for create and start only: not on a stop, delete or extend', () => {
    // ModelArts keeps reporting the creation's action_progress for the notebook's whole life.
    const steps = stepsFromActionProgress([
      { step: 1, status: 'COMPLETED' },
      { step: 2, status: 'COMPLETED' },
    ]);
    for (const kind of ['create', 'start'] as const) {
      const r = renderOperationStatus({ ...base, kind, steps });
      expect(JSON.stringify(r.blocks), kind).toContain('Storage: done');
    }
    for (const kind of ['extend', 'stop', 'delete'] as const) {
      for (const phase of ['working', 'done'] as const) {
        const r = renderOperationStatus({ ...base, kind, phase, steps, detail: 'Lease extended by 1 h.' });
        const json = JSON.stringify(r.blocks);
        expect(json, `${kind} ${phase}`).not.toContain('Storage');
        expect(json).not.toContain(`${STATUS_BLOCK_ID}_steps`);
      }
    }
  });
});

describe('explainFailure', () => {
  it('explains fail_reason texts in plain words with what to try, keeping the service words', () => {
    const capacity = explainFailure('Insufficient resources for flavor modelarts.vm.gpu.t4. Try again later.');
    expect(capacity.reason).toContain('no free capacity');
    expect(capacity.reason).toContain('Insufficient resources for flavor');
    expect(capacity.hint).toContain('another flavor');
    expect(explainFailure('EVS volume creation failed').hint).toContain('smaller disk');
    expect(explainFailure('Quota exceeded for GPU').hint).toContain('quota');
    expect(explainFailure('Image pull failed: swr timeout').reason).toContain('image');
    expect(explainFailure(undefined).reason).toContain('gave no reason');
    expect(explainFailure('something odd').reason).toBe('ModelArts said: "something odd"');
    expect(explainFailure('x'.repeat(1000)).reason.length).toBeLessThan(500);
  });

  it('explains errors: known codes, the service message, our own messages, never internals', () => {
    const details = { method: 'POST', url: '/v1/p/notebooks' };
    expect(
      explainFailure(new ModelArtsApiError({ ...details, status: 400, errorCode: 'ModelArts.0113', errorMsg: 'Quota' }))
        .reason,
    ).toContain('quota');
    expect(
      explainFailure(new ModelArtsApiError({ ...details, status: 400, errorCode: 'ModelArts.6301' })).hint,
    ).toContain('another name');
    const bad = explainFailure(
      new ModelArtsApiError({ ...details, status: 400, errorCode: 'ModelArts.0104', errorMsg: 'Parameter error. x' }),
    );
    expect(bad.reason).toContain('Parameter error. x');
    expect(explainFailure(new ModelArtsNotFoundError({ ...details, status: 404 })).reason).toContain(
      'no longer exists',
    );
    expect(explainFailure(new ModelArtsServerError({ ...details, status: 503 })).hint).toContain('few minutes');
    expect(explainFailure(new ModelArtsTimeoutError('slow')).reason).toContain('did not answer in time');
    const internal = explainFailure(new TypeError('cannot read x of undefined at /app/src/secret.ts'));
    expect(internal.reason).not.toContain('secret.ts');
    expect(internal.reason).toContain('internal error');
  });
});

describe('polling', () => {
  it('backs off from the initial delay to the maximum', () => {
    const t = { initialMs: 2000, maxMs: 15_000 };
    const seq: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 8; i++) {
      d = nextPollDelay(d, t);
      seq.push(d);
    }
    expect(seq).toEqual([2000, 3000, 4500, 6750, 10_125, 15_000, 15_000, 15_000]);
  });

  it('retries transient failures exponentially with jitter, honouring Retry-After', () => {
    expect(transientRetryDelay(1, undefined, 60_000, () => 0.5)).toBe(1000);
    expect(transientRetryDelay(3, undefined, 60_000, () => 0.5)).toBe(4000);
    expect(transientRetryDelay(20, undefined, 60_000, () => 1)).toBe(60_000);
    expect(transientRetryDelay(1, 7000, 60_000, () => 0)).toBe(7000);
    expect(throttleDelay(3000)).toBe(3000);
    const d = throttleDelay(undefined, () => 0.5);
    expect(d).toBe(3500);
  });

  it('reads the timing from the environment', () => {
    expect(
      pollTimingFromEnv({ POLL_INITIAL_MS: 100, POLL_MAX_MS: 200, READY_TIMEOUT_MS: 3000, SLOW_POLL_MS: 4000 }),
    ).toEqual({
      ...DEFAULT_POLL_TIMING,
      initialMs: 100,
      maxMs: 200,
      readyTimeoutMs: 3000,
      slowPollMs: 4000,
    });
  });

  it('judges states: RUNNING with settled storage is ready, failed states fail at once', () => {
    expect(readyVerdict(nb({ status: 'RUNNING' }))).toEqual({ kind: 'done' });
    expect(readyVerdict(nb({ status: 'RUNNING', volume: { status: 'RESIZING' } }))).toEqual({ kind: 'waiting' });
    expect(readyVerdict(nb({ status: 'RUNNING', volume: { status: 'initializing' } }))).toEqual({ kind: 'waiting' });
    expect(readyVerdict(nb({ status: 'CREATING' }))).toEqual({ kind: 'waiting' });
    expect(readyVerdict(nb({ status: 'CREATE_FAILED', fail_reason: 'x' }))).toEqual({ kind: 'failed', reason: 'x' });
    expect(readyVerdict(nb({ status: 'START_FAILED' }))).toMatchObject({ kind: 'failed' });
    expect(readyVerdict(nb({ status: 'ERROR' }))).toMatchObject({ kind: 'failed' });
    expect(stoppedVerdict(nb({ status: 'STOPPED' }))).toEqual({ kind: 'done' });
    expect(stoppedVerdict(nb({ status: 'STOPPING' }))).toEqual({ kind: 'waiting' });
    expect(deletedVerdict(nb({ status: 'DELETED' }))).toEqual({ kind: 'done' });
    expect(deletedVerdict(nb({ status: 'DELETE_FAILED' }))).toMatchObject({ kind: 'failed' });
  });
});

describe('job ids', () => {
  it('keeps safe operation ids and hashes the rest deterministically', () => {
    expect(jobIdForOp('create-V0123-abc')).toBe('create-V0123-abc');
    expect(jobIdForOp('view:V123:T1')).toMatch(/^op-[0-9a-f]{40}$/);
    expect(jobIdForOp('view:V123:T1')).toBe(jobIdForOp('view:V123:T1'));
    expect(jobIdForOp('12345')).toMatch(/^op-/);
  });
});
