import type { z } from 'zod';
import { CREATE_BLOCKS, type CreateDefaults, LOADING_VALUE, STORAGE_CHOICES } from '../../messages/index.js';
import { type CreateNotebookRequest, CreateNotebookRequestSchema, valueAt } from '../../modelarts/index.js';
import { parseLeaseDuration } from '../duration.js';
import { type BlockIssue, selectedValue, splitList, textValue, type ViewValues } from './view-values.js';

/** The create request as read from the modal, before the schema: loosely typed on purpose. */
export type CreateDraft = Record<string, unknown> & {
  flavor?: string;
  image_id?: string;
  lease?: { duration?: number; type?: string };
};

/** What the form said and which of its inputs could not even be read. */
export interface CreateFormReading {
  draft: CreateDraft;
  issues: BlockIssue[];
  /** Lease length in ms when it parsed (for the access check). */
  durationMs?: number;
}

function hook(values: ViewValues, typeBlock: string, scriptBlock: string, issues: BlockIssue[]) {
  const type = selectedValue(values, typeBlock);
  const raw = values[scriptBlock]?.['value']?.value ?? undefined;
  const script = raw?.trim() ? raw : undefined;
  if (!type && !script) return undefined;
  if (!script) {
    issues.push({
      blockId: scriptBlock,
      message: 'Enter the command or the script path for this hook, or clear its type',
    });
    return undefined;
  }
  const kind = type ?? 'COMMAND';
  if (kind === 'SCRIPT') {
    const path = script.trim();
    if (!path.startsWith('/') || /\s/.test(path)) {
      issues.push({
        blockId: scriptBlock,
        message: 'A script hook is an absolute path such as /home/ma-user/work/setup.sh',
      });
    }
    return { type: kind, script: path };
  }
  // ModelArts runs a COMMAND hook from its base64 form; people type the command itself.
  return { type: kind, script: Buffer.from(script, 'utf8').toString('base64') };
}

/**
 * Reads the create modal into a CreateNotebookRequest draft. Pure. Problems that are about reading
 * the form itself (a duration that is not a duration, IPs without a key pair) are returned as
 * issues; everything else is left for the same zod schema the ModelArts client uses.
 */
export function readCreateForm(values: ViewValues, defaults: CreateDefaults): CreateFormReading {
  const issues: BlockIssue[] = [];
  const draft: CreateDraft = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) draft[key] = v;
  };

  set('name', textValue(values, CREATE_BLOCKS.name) ?? '');
  set('description', textValue(values, CREATE_BLOCKS.description));

  const flavor = selectedValue(values, CREATE_BLOCKS.flavor);
  if (flavor === LOADING_VALUE)
    issues.push({ blockId: CREATE_BLOCKS.flavor, message: 'Pick a flavor (the list was still loading)' });
  else set('flavor', flavor);

  const image = selectedValue(values, CREATE_BLOCKS.image);
  if (image === LOADING_VALUE)
    issues.push({ blockId: CREATE_BLOCKS.image, message: 'Pick an image (the list was still loading)' });
  else set('image_id', image);

  const storage = selectedValue(values, CREATE_BLOCKS.storageType) ?? STORAGE_CHOICES[0]!.value;
  const [category, ownership] = storage.split(':');
  const volume: Record<string, unknown> = { category, ownership };
  if (ownership === 'MANAGED') {
    const size = textValue(values, CREATE_BLOCKS.storageSize);
    volume['capacity'] = size === undefined ? defaults.storageGb : Number(size);
  } else {
    const uri = textValue(values, CREATE_BLOCKS.storageUri);
    const id = textValue(values, CREATE_BLOCKS.storageId);
    const dewSecret = textValue(values, CREATE_BLOCKS.storageDewSecret);
    if (uri) volume['uri'] = uri;
    if (id) volume['id'] = id;
    if (dewSecret && category === 'OBS') volume['dew_secret_name'] = dewSecret;
  }
  draft['volume'] = volume;

  set('pool_id', textValue(values, CREATE_BLOCKS.pool));
  set('workspace_id', textValue(values, CREATE_BLOCKS.workspace));

  const keys = splitList(textValue(values, CREATE_BLOCKS.sshKeys));
  const ips = splitList(textValue(values, CREATE_BLOCKS.sshIps));
  if (ips.length && !keys.length) {
    issues.push({
      blockId: CREATE_BLOCKS.sshKeys,
      message: 'SSH access needs a key pair name (or clear the allowed IPs)',
    });
  }
  if (keys.length) {
    set('endpoints', [{ service: 'SSH', key_pair_names: keys, ...(ips.length ? { allowed_access_ips: ips } : {}) }]);
  }

  const pre = hook(values, CREATE_BLOCKS.preStartType, CREATE_BLOCKS.preStartScript, issues);
  const post = hook(values, CREATE_BLOCKS.postStartType, CREATE_BLOCKS.postStartScript, issues);
  if (pre || post)
    set('hooks', { container_hooks: { ...(pre ? { pre_start: pre } : {}), ...(post ? { post_start: post } : {}) } });

  const leaseType = selectedValue(values, CREATE_BLOCKS.leaseType) ?? 'TIMING';
  const durationText = textValue(values, CREATE_BLOCKS.leaseDuration);
  const lease: { duration?: number; type: string } = { type: leaseType };
  let durationMs: number | undefined;
  if (durationText === undefined) {
    lease.duration = defaults.leaseHours * 3_600_000;
    durationMs = lease.duration;
  } else {
    const parsed = parseLeaseDuration(durationText);
    if (parsed.ok) {
      lease.duration = parsed.ms;
      durationMs = parsed.ms;
    } else issues.push({ blockId: CREATE_BLOCKS.leaseDuration, message: parsed.message });
  }
  draft.lease = lease;
  return { draft, issues, ...(durationMs !== undefined ? { durationMs } : {}) };
}

/**
 * The block that shows a schema issue at `path`. Dedicated-storage fields live under the advanced
 * toggle; when it is closed their problems go to the storage choice with a pointer.
 */
export function blockForIssuePath(
  path: readonly PropertyKey[],
  advanced: boolean,
): { blockId: string; suffix?: string } {
  const [a, b, c, d] = path.map(String);
  const hidden = { suffix: ' (under "Show advanced options")' };
  switch (a) {
    case 'name':
      return { blockId: CREATE_BLOCKS.name };
    case 'description':
      return { blockId: CREATE_BLOCKS.description };
    case 'flavor':
      return { blockId: CREATE_BLOCKS.flavor };
    case 'image_id':
      return { blockId: CREATE_BLOCKS.image };
    case 'pool_id':
      return { blockId: CREATE_BLOCKS.pool };
    case 'workspace_id':
      return { blockId: CREATE_BLOCKS.workspace };
    case 'duration':
      return { blockId: CREATE_BLOCKS.leaseDuration };
    case 'lease':
      return { blockId: b === 'type' ? CREATE_BLOCKS.leaseType : CREATE_BLOCKS.leaseDuration };
    case 'volume':
      if (b === 'capacity') return { blockId: CREATE_BLOCKS.storageSize };
      if (b === 'uri')
        return advanced ? { blockId: CREATE_BLOCKS.storageUri } : { blockId: CREATE_BLOCKS.storageType, ...hidden };
      if (b === 'id')
        return advanced ? { blockId: CREATE_BLOCKS.storageId } : { blockId: CREATE_BLOCKS.storageType, ...hidden };
      if (b === 'dew_secret_name')
        return advanced
          ? { blockId: CREATE_BLOCKS.storageDewSecret }
          : { blockId: CREATE_BLOCKS.storageType, ...hidden };
      return { blockId: CREATE_BLOCKS.storageType };
    case 'endpoints':
      return { blockId: c === 'allowed_access_ips' ? CREATE_BLOCKS.sshIps : CREATE_BLOCKS.sshKeys };
    case 'hooks': {
      const pre = c === 'pre_start';
      if (d === 'type') return { blockId: pre ? CREATE_BLOCKS.preStartType : CREATE_BLOCKS.postStartType };
      return { blockId: pre ? CREATE_BLOCKS.preStartScript : CREATE_BLOCKS.postStartScript };
    }
    default:
      return { blockId: CREATE_BLOCKS.name };
  }
}

/** Maps zod issues of CreateNotebookRequestSchema to modal blocks, naming the bad item of a list. */
export function schemaIssuesToBlocks(error: z.ZodError, draft: CreateDraft, advanced: boolean): BlockIssue[] {
  return error.issues.map((issue) => {
    const { blockId, suffix } = blockForIssuePath(issue.path, advanced);
    const last = issue.path[issue.path.length - 1];
    const item = typeof last === 'number' ? valueAt(draft, issue.path) : undefined;
    const prefix = typeof item === 'string' ? `"${item}": ` : '';
    return { blockId, message: `${prefix}${issue.message}${suffix ?? ''}` };
  });
}

/** Result of validating the whole form: the request to queue, or every problem by block. */
export type CreateValidation = { ok: true; request: CreateNotebookRequest } | { ok: false; issues: BlockIssue[] };

/**
 * Validates a draft with the client's own CreateNotebookRequestSchema, adding `extra` issues
 * (form reading, access, catalog), so every problem comes back at once.
 */
export function validateCreateDraft(
  draft: CreateDraft,
  extra: readonly BlockIssue[],
  advanced: boolean,
): CreateValidation {
  const parsed = CreateNotebookRequestSchema.safeParse(draft);
  const issues = [...extra, ...(parsed.success ? [] : schemaIssuesToBlocks(parsed.error, draft, advanced))];
  if (issues.length || !parsed.success) return { ok: false, issues };
  return { ok: true, request: parsed.data };
}
