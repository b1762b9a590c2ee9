/**
 * The checks of `npm run doctor`, one function per thing that can be wrong. Each returns a
 * verdict in plain words; none throws, none prints a secret (every text goes through
 * `redactSecrets` before it is shown).
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, WebClient } from '@slack/web-api';
import { parseDocument } from 'yaml';
import { clockFor } from '../app/clock.js';
import { connectModelArts } from '../app/modelarts.js';
import { checkEvictionPolicy, connectRedis, describeRedis, evictionWarning } from '../app/redis.js';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { slackErrorCode } from '../messages/slack-errors.js';
import {
  ModelArtsApiError,
  ModelArtsAuthError,
  ModelArtsConnectionError,
  ModelArtsError,
  ModelArtsThrottledError,
  ModelArtsTimeoutError,
} from '../modelarts/errors.js';
import { slackLogger } from '../operations/slack-logger.js';
import { startLocalRedis } from '../ops/local-redis.js';
import { createSocketModeReceiver } from '../slack/socket-mode.js';
import { rejectAfter } from '../timeout.js';

/** ✓ passed, ✗ failed (exit 1), ! worth knowing but not a failure, – not applicable. */
export type Verdict = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  name: string;
  verdict: Verdict;
  /** One line in plain words. */
  summary: string;
  /** Further lines (e.g. every configuration problem). */
  details?: string[];
}

const quietLogger = () => createLogger({ level: 'silent' });

function result(name: string, verdict: Verdict, summary: string, details?: string[]): CheckResult {
  return { name, verdict, summary, ...(details?.length ? { details } : {}) };
}

// ------------------------------------------------------------------------------------ Redis

/**
 * Connects, PINGs and reads `maxmemory-policy`. Without REDIS_URL, checks that a local
 * redis-server can be started (what `npm start` does).
 */
export async function checkRedis(config: Config, timeoutMs = 5000): Promise<CheckResult> {
  const name = 'Redis';
  if (config.redis.kind === 'local') {
    try {
      const local = await startLocalRedis();
      await local.stop();
      return result(
        name,
        'pass',
        'REDIS_URL is not set: npm start runs a throwaway local redis-server (found and started it)',
      );
    } catch (err) {
      return result(
        name,
        'fail',
        (err as Error).message.split('\n')[0] ?? 'no Redis',
        (err as Error).message.split('\n').slice(1),
      );
    }
  }
  const where = describeRedis(config.redis);
  const redis = connectRedis(config.redis, {
    connectionName: 'doctor',
    maxRetriesPerRequest: 1,
    logger: quietLogger(),
  });
  // ioredis rejects a command with "Reached the max retries per request limit": the reason is in
  // the connection's own error events.
  let connectionError: Error | undefined;
  redis.on('error', (e: Error) => {
    connectionError = e;
  });
  try {
    const pong = await rejectAfter(
      redis.ping(),
      timeoutMs,
      () => new Error(`${where} did not answer within ${Math.round(timeoutMs / 1000)} s`),
    );
    if (pong !== 'PONG') return result(name, 'fail', `${where} answered PING with "${pong}"`);
    const eviction = await checkEvictionPolicy(redis);
    if (eviction.kind === 'evicts')
      return result(name, 'fail', `${where} answers, but ${evictionWarning(eviction.policy)}`);
    if (eviction.kind === 'unknown') {
      return result(
        name,
        'warn',
        `${where} answers PING; maxmemory-policy could not be read (${eviction.reason}): make sure it is noeviction`,
      );
    }
    return result(name, 'pass', `${where} answers PING; maxmemory-policy is noeviction`);
  } catch (err) {
    const message = (err as Error).message;
    if (/NOAUTH|WRONGPASS|invalid password/i.test(message)) {
      return result(
        name,
        'fail',
        `${where} refused the password (${message.split(' ')[0]}): check the password in REDIS_URL or REDIS_PASSWORD`,
      );
    }
    return result(name, 'fail', redisUnreachable(where, connectionError ?? (err as Error), timeoutMs));
  } finally {
    redis.disconnect();
  }
}

/** Why Redis did not answer, in plain words, with what to check. */
export function redisUnreachable(where: string, err: Error, timeoutMs: number): string {
  const code = (err as { code?: string }).code ?? /\b(E[A-Z]{4,})\b/.exec(err.message)?.[1];
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing is listening at ${where} (connection refused): start Redis there, or fix REDIS_URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${where} does not resolve (${code}): check the host name in REDIS_URL`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} cannot be reached (${code}): check the host, the port and any firewall between`;
    case 'ECONNRESET':
      return `${where} closed the connection (ECONNRESET): is it Redis, and does it want TLS (rediss://)?`;
    default:
      if (/timed out|timeout/i.test(err.message)) {
        return `${where} did not answer within ${Math.round(timeoutMs / 1000)} s: check the host, the port and any firewall between`;
      }
      return `cannot reach ${where}: ${err.message.split('\n')[0]}`;
  }
}

// ------------------------------------------------------------------------------------ Slack

const SLACK_AUTH_WORDS: Readonly<Record<string, string>> = {
  invalid_auth:
    'the bot token was rejected (invalid_auth): copy the Bot User OAuth Token (xoxb-…) again from your app’s OAuth & Permissions page into SLACK_BOT_TOKEN',
  not_authed: 'no token reached Slack (not_authed): set SLACK_BOT_TOKEN',
  account_inactive:
    'the token belongs to a deactivated app or workspace (account_inactive): reinstall the app and copy its new token',
  token_revoked:
    'the token was revoked (token_revoked): reinstall the app to your workspace and copy the new Bot User OAuth Token',
  token_expired:
    'the token expired (token_expired): token rotation is on; turn it off for this app or refresh the token',
  not_allowed_token_type:
    'that is not a bot token (not_allowed_token_type): use the Bot User OAuth Token starting with xoxb-',
  invalid_token: 'the token is malformed (invalid_token): copy it again without spaces or quotes',
};

/**
 * `auth.test` with the bot token (at SLACK_API_URL when set). In Socket Mode, also opens a Socket
 * Mode connection exactly as the bot does (the same receiver, the same URL), passes only when
 * Slack says `hello`, and closes it at once.
 */
export async function checkSlack(config: Config, timeoutMs = 10_000): Promise<CheckResult> {
  const name = 'Slack';
  const slack = config.slack;
  if (slack.mode === 'none') {
    return result(
      name,
      'skip',
      'no Slack credentials: npm start plays the scripted demo (set SLACK_BOT_TOKEN and SLACK_APP_TOKEN or SLACK_SIGNING_SECRET)',
    );
  }
  const options = {
    timeout: timeoutMs,
    retryConfig: { retries: 0 },
    // The report says what failed; the client's own lines would go to the console unredacted.
    logger: slackLogger(quietLogger(), 'slack-web-api'),
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
  };
  const api = slack.apiUrl ? ` at ${slack.apiUrl}` : '';
  try {
    const auth = await new WebClient(slack.botToken, options).auth.test();
    const who = `bot @${auth.user ?? '?'} in workspace ${auth.team ?? '?'} (${auth.team_id ?? '?'})`;
    if (slack.mode === 'socket') {
      const { connection } = createSocketModeReceiver({
        appToken: slack.appToken,
        slackApiUrl: slack.apiUrl,
        logger: quietLogger(),
        settings: { connectTimeoutMs: timeoutMs },
      });
      try {
        await connection.open();
      } catch (err) {
        return result(
          name,
          'fail',
          `the bot token works (${who}), but ${(err as Error).message.replace(/^Could not/, 'the bot could not')}`,
        );
      } finally {
        await connection.close();
      }
      return result(name, 'pass', `${who}; Socket Mode connection opened${api} (Slack said hello)`);
    }
    return result(name, 'pass', `${who}; HTTP mode (the signing secret is checked on every request, not here)`);
  } catch (err) {
    const code = slackErrorCode(err) ?? (err instanceof Error ? err.message : String(err));
    const words = SLACK_AUTH_WORDS[code];
    if (words) return result(name, 'fail', words);
    if ((err as { code?: string }).code === ErrorCode.RequestError) {
      return result(
        name,
        'fail',
        `cannot reach Slack${api}: ${(err as Error).message} (check the network, a proxy, or SLACK_API_URL)`,
      );
    }
    return result(name, 'fail', `auth.test failed${api}: ${code}`);
  }
}

// ------------------------------------------------------------------------------------ ModelArts

/** The words for a ModelArts failure, by what it means for the person fixing it. */
export function explainModelArtsError(err: unknown, config: Config): string {
  const endpoint = config.modelarts.endpoint ?? 'the simulator';
  if (err instanceof ModelArtsAuthError) {
    const code = err.errorCode ?? `HTTP ${err.status}`;
    if (code.endsWith('.0301')) {
      return config.modelarts.auth.kind === 'iam'
        ? `the IAM token was rejected (${code}): check HUAWEICLOUD_IAM_USER, HUAWEICLOUD_IAM_PASSWORD and HUAWEICLOUD_IAM_DOMAIN`
        : `the AK/SK were rejected (${code}): check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (console > My Credentials > Access Keys); repeated failures lock the key for a few minutes`;
    }
    if (code.endsWith('.0303')) {
      return `the request signature was refused as expired (${code}): this machine's clock is more than 15 minutes off (sync it with NTP), or the temporary security token expired`;
    }
    if (err.status === 403) {
      return `the credentials are valid but not allowed here (${code}): check HUAWEICLOUD_SDK_PROJECT_ID is the project of MODELARTS_REGION, and that the user has ModelArts permissions`;
    }
    return `authentication failed (${code}${err.errorMsg ? `: ${err.errorMsg}` : ''})`;
  }
  if (err instanceof ModelArtsApiError && err.status === 404) {
    return `${endpoint} does not serve the ModelArts API (${err.errorCode ?? 'HTTP 404'}): check MODELARTS_ENDPOINT or MODELARTS_REGION`;
  }
  if (err instanceof ModelArtsConnectionError) return `cannot reach ${endpoint}: ${err.message}`;
  if (err instanceof ModelArtsTimeoutError) return `${endpoint} did not answer in time: check the network or a proxy`;
  if (err instanceof ModelArtsError) return err.message;
  if (err instanceof Error && /IAM|token/i.test(err.message)) return `IAM sign-in failed: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** A one-item notebook list with the configured credentials (or against the simulator). */
export async function checkModelArts(config: Config, timeoutMs = 10_000): Promise<CheckResult> {
  const name = 'ModelArts';
  let connection: Awaited<ReturnType<typeof connectModelArts>> | undefined;
  try {
    connection = await connectModelArts(config, { clock: clockFor(config), logger: quietLogger() });
    const page = await connection.client.listNotebooks({ limit: 10 }, { timeoutMs, maxRetries: 0 });
    const total = page.total ?? page.data.length;
    const what =
      config.modelarts.auth.kind === 'simulator'
        ? `no Huawei credentials: ${connection.description} answers`
        : `${connection.description}: credentials accepted`;
    return result(name, 'pass', `${what} (${total} notebook${total === 1 ? '' : 's'} in the project)`);
  } catch (err) {
    if (err instanceof ModelArtsThrottledError) {
      return result(name, 'warn', 'credentials accepted, but ModelArts is throttling requests right now (APIG.0308)');
    }
    return result(name, 'fail', explainModelArtsError(err, config));
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------------ manifest

/** Where the manifest and Slack's schemas are. */
export interface ManifestPaths {
  manifest: string;
  /** Folder with `schemas/manifest.schema.{1,2}.0.0.json`. */
  schemaDir: string;
}

interface AjvLike {
  compile(schema: unknown): ((data: unknown) => boolean) & {
    errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null;
  };
}

/** ajv is a development dependency: present in a checkout, maybe not in a production image. */
async function loadAjv(): Promise<AjvLike | undefined> {
  try {
    const mod = (await import('ajv')) as unknown as { Ajv: new (opts: Record<string, unknown>) => AjvLike };
    // Slack's schema uses a non-standard "regex" keyword and "uri" formats: not strict.
    return new mod.Ajv({ strict: false, allErrors: true, validateFormats: false });
  } catch {
    return undefined;
  }
}

/** manifest.yml parses, and validates against Slack's schema for its `_metadata.major_version`. */
export async function checkManifest(paths: ManifestPaths): Promise<CheckResult> {
  const name = 'Manifest';
  let text: string;
  try {
    text = await readFile(paths.manifest, 'utf8');
  } catch {
    return result(name, 'fail', `${paths.manifest} not found: the Slack app is created from it`);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return result(
      name,
      'fail',
      `manifest.yml is not valid YAML (${doc.errors.length} problem${doc.errors.length === 1 ? '' : 's'})`,
      doc.errors.map((e) => e.message.split('\n')[0] ?? e.message),
    );
  }
  const manifest = doc.toJS() as Record<string, unknown> | null;
  const major = (manifest?.['_metadata'] as { major_version?: unknown } | undefined)?.major_version === 2 ? 2 : 1;
  const ajv = await loadAjv();
  if (!ajv) {
    return result(
      name,
      'warn',
      'manifest.yml parses; schema validation skipped (ajv is not installed: npm ci installs it)',
    );
  }
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(`${paths.schemaDir}/schemas/manifest.schema.${major}.0.0.json`, 'utf8'));
  } catch {
    return result(name, 'fail', `Slack's manifest schema ${major}.0.0 is missing from ${paths.schemaDir}`);
  }
  const validate = ajv.compile(schema);
  if (validate(manifest)) {
    const commands = (manifest?.['features'] as { slash_commands?: Array<{ command?: string }> } | undefined)
      ?.slash_commands;
    const list = commands?.map((c) => c.command).join(', ');
    return result(
      name,
      'pass',
      `manifest.yml is valid (Slack manifest schema ${major}.0.0)${list ? `; commands ${list}` : ''}`,
    );
  }
  const problems = (validate.errors ?? []).map((e) => {
    const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
    const extra = e.params?.['additionalProperty'] ? ` "${String(e.params['additionalProperty'])}"` : '';
    return `${at}: ${e.message ?? 'is invalid'}${extra}`;
  });
  return result(
    name,
    'fail',
    `manifest.yml does not match Slack's manifest schema ${major}.0.0 (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
    [...new Set(problems)].slice(0, 20),
  );
}
