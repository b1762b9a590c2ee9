import type { WebClient } from '@slack/web-api';
import type { IamUser } from '../../access/index.js';
import type { Lease } from '../../modelarts/index.js';
import type { Replier } from '../../operations/index.js';
import type { SlackDeps } from '../deps.js';

/** Who acted, where, and how to answer them: the same for a command, a modal and a button. */
export interface ActContext {
  deps: SlackDeps;
  client: WebClient;
  userId: string;
  teamId?: string | undefined;
  /** Channel where the user acted; undefined for App Home (status then goes to the notebook's thread or a DM). */
  channelId?: string | undefined;
  reply: Replier;
  /** Deterministic id of this request (see ids.ts): replays map to the same id. */
  opId: string;
}

/** A notebook as far as the request knows it; status, flavor and lease enable early, friendlier answers. */
export interface NotebookRef {
  id: string;
  name: string;
  status?: string | undefined;
  flavor?: string | undefined;
  lease?: Lease | undefined;
  /** Its creator's IAM user (from ModelArts): the owner when linked, and named in refusals. */
  creator?: IamUser | undefined;
}
