import { FAILED_STATUSES, leaseRemainingMs, type Notebook, TRANSITIONAL_STATUSES } from '../modelarts/index.js';
import type { NotebookRecord } from '../store/index.js';
import type { Money } from './costs.js';

/** What the Slack surface shows about one notebook: live from ModelArts when possible, else last known. */
export interface NotebookSummary {
  id: string;
  name: string;
  status: string;
  /**
   * False when ModelArts did not answer and this is the stored, last known state. True for a
   * live answer, and for a record rendered as current (an App Home refresh right after the
   * worker observed the change: `summarize(undefined, record, now, { current: true })`).
   */
  live: boolean;
  flavor?: string;
  /** JupyterLab address, never with the Jupyter token (see safeUrl). */
  url?: string;
  /** Lease time left (`create_at + duration - now`); only for RUNNING notebooks. */
  remainingMs?: number;
  leaseType?: string;
  ownerId?: string;
  failReason?: string;
  imageName?: string;
  /** RUNNING: how long it has run in this lease and what that cost so far (usage accounting). */
  runSoFar?: { ms: number; cost?: Money | undefined };
}

/** An http(s) URL without a `token` query parameter, or undefined (the Jupyter token never reaches Slack). */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    u.searchParams.delete('token');
    const out = u.toString();
    return out.length <= 3000 ? out : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Merges the live notebook (when ModelArts answered) with the stored record into one summary.
 * Pure; `now` is the bot's clock (lease maths must use the same clock as the simulator).
 * `current`: without a live answer, the record is still shown as the current state (it is not a
 * fallback after a failed lookup).
 */
export function summarize(
  live: Notebook | undefined,
  record: NotebookRecord | undefined,
  now: number,
  options: { current?: boolean } = {},
): NotebookSummary {
  const id = live?.id ?? record?.notebookId ?? '';
  const status = (live?.status ?? record?.lastStatus ?? 'UNKNOWN').toUpperCase();
  const lease =
    live?.lease ??
    (record?.leaseCreateAt !== undefined && record.leaseDurationMs !== undefined
      ? { create_at: record.leaseCreateAt, duration: record.leaseDurationMs, type: record.leaseType }
      : undefined);
  const remaining = status === 'RUNNING' ? leaseRemainingMs(lease, now) : undefined;
  const url = safeUrl(live?.url ?? record?.url);
  const flavor = live?.flavor ?? record?.flavor;
  const leaseType = lease?.type?.toUpperCase();
  const imageName = live?.image?.name ? `${live.image.name}${live.image.tag ? `:${live.image.tag}` : ''}` : undefined;
  return {
    id,
    name: live?.name || record?.name || id,
    status,
    live: live !== undefined || options.current === true,
    ...(flavor ? { flavor } : {}),
    ...(url ? { url } : {}),
    ...(remaining !== undefined ? { remainingMs: remaining } : {}),
    ...(leaseType ? { leaseType } : {}),
    ...(record?.ownerId ? { ownerId: record.ownerId } : {}),
    ...(live?.fail_reason ? { failReason: live.fail_reason } : {}),
    ...(imageName ? { imageName } : {}),
  };
}

/** An emoji for a status, so a list reads at a glance. */
export function statusEmoji(status: string): string {
  if (status === 'RUNNING') return ':large_green_circle:';
  if (status === 'STOPPED') return ':white_circle:';
  if (status === 'FROZEN') return ':snowflake:';
  if (status === 'DELETED') return ':wastebasket:';
  if (TRANSITIONAL_STATUSES.has(status)) return ':hourglass_flowing_sand:';
  if (FAILED_STATUSES.has(status)) return ':red_circle:';
  return ':grey_question:';
}
