import { type Clock, systemClock } from '../clock.js';
import { ValidationError } from '../errors.js';
import { isSlackChannelId, isSlackUserId } from '../messages/index.js';
import type { NotebookRecord, NotebookStore } from '../store/index.js';
import type { AccessControl } from './types.js';

export interface AdoptNotebookOptions {
  store: Pick<NotebookStore, 'get' | 'put' | 'patch'>;
  notebookId: string;
  /** The notebook's name in ModelArts (stored when the record is new). */
  name: string;
  /** Who owns it from now on. */
  ownerId: string;
  /** The admin doing it (recorded in the audit trail). The caller has already checked `adopt`. */
  adminId: string;
  /** Where the notebook's messages go; required when the bot has no record of it yet. */
  channelId?: string;
  teamId?: string;
  /** When given, the adoption is recorded (outcome `succeeded`). */
  audit?: Pick<AccessControl, 'audit'>;
  clock?: Clock;
}

/**
 * Gives a notebook an owner: sets `ownerId` and `origin: 'adopted'` on its record, creating the
 * record when the bot has never seen the notebook (created in the console, or before the bot).
 * Idempotent: adopting again for the same owner changes nothing but `updatedAt`.
 * Authorisation is the caller's job (`check({action: 'adopt'})` is admin-only).
 *
 * @returns the record as stored.
 * @throws ValidationError when ids are malformed or a new record has no `channelId`.
 */
export async function adoptNotebook(options: AdoptNotebookOptions): Promise<NotebookRecord> {
  const { store, notebookId, ownerId } = options;
  const now = (options.clock ?? systemClock).now();
  const issues = [];
  if (!isSlackUserId(ownerId)) issues.push({ field: 'owner', message: 'must be a Slack user id (U…/W…)' });
  if (!notebookId.trim()) issues.push({ field: 'notebookId', message: 'is required' });
  if (options.channelId !== undefined && !isSlackChannelId(options.channelId)) {
    issues.push({ field: 'channelId', message: 'must be a Slack channel id' });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const existing = await store.get(notebookId);
  let record: NotebookRecord;
  if (existing) {
    const previousOwner = existing.ownerId;
    // patch() keeps the owner index right and leaves fields a worker may be writing untouched.
    const fields = {
      ownerId,
      origin: 'adopted' as const,
      updatedAt: now,
      ...(options.channelId && !existing.channelId ? { channelId: options.channelId } : {}),
    };
    await store.patch(notebookId, fields);
    record = { ...existing, ...fields };
    await options.audit?.audit({
      userId: options.adminId,
      action: 'adopt',
      notebookId,
      notebookName: existing.name,
      outcome: 'succeeded',
      detail: previousOwner ? `owner ${previousOwner} -> ${ownerId}` : `owner ${ownerId}`,
      at: now,
    });
    return record;
  }
  if (!options.channelId) {
    throw new ValidationError([
      { field: 'channelId', message: 'the bot has no record of this notebook yet: say where its messages should go' },
    ]);
  }
  record = {
    notebookId,
    name: options.name,
    ownerId,
    channelId: options.channelId,
    origin: 'adopted',
    createdAt: now,
    updatedAt: now,
    ...(options.teamId ? { teamId: options.teamId } : {}),
  };
  await store.put(record);
  await options.audit?.audit({
    userId: options.adminId,
    action: 'adopt',
    notebookId,
    notebookName: options.name,
    channelId: options.channelId,
    outcome: 'succeeded',
    detail: `owner ${ownerId} (new record)`,
    at: now,
  });
  return record;
}
