import { type Dispatcher, request } from 'undici';
import {
  canonicalQueryString,
  decodePath,
  encodePath,
  type Query,
  queryPairs,
  signRequest,
} from '../modelarts/index.js';
import { SIMULATOR_AK, SIMULATOR_SK } from './defaults.js';
import { ENGLISH } from './language.js';

/**
 * A raw, signed HTTP call to the simulator for its own tests, demos and benchmarks: no retries,
 * no parsing into types, every status returned as is. It is deliberately not the bot's ModelArts
 * client (src/modelarts/client.ts), which should be tested against the simulator on its own.
 */
export interface SimRequestOptions {
  method?: string;
  /** Path with decoded segments joined by `/`, e.g. `/v1/<project>/notebooks/<id>/start`. */
  path: string;
  query?: Query;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  ak?: string;
  sk?: string;
  /** Signing time (default now). Pass the simulator's clock time to follow a ManualClock. */
  date?: Date;
  /** Extra headers, signed with the rest. */
  headers?: Record<string, string>;
  /**
   * `X-Language` to send (signed), default `en-us` so answers are English, as Huawei's own
   * clients ask for; `null` sends no header (the service then answers in Chinese). A header of
   * that name in `headers` wins.
   */
  language?: string | null;
  /** Send `X-Auth-Token` instead of signing. */
  token?: string;
  /** Send no credentials at all. */
  unsigned?: boolean;
  /** Change the request after signing (tests of tampering). */
  tamper?: (wire: { path: string; query: string; headers: Record<string, string>; body: string }) => void;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
  text: string;
}

/** Sends one request to `baseUrl`, signed with SDK-HMAC-SHA256 (default: the simulator's AK/SK). */
export async function simRequest(baseUrl: string, options: SimRequestOptions): Promise<SimResponse> {
  const method = (options.method ?? 'GET').toUpperCase();
  const segments = decodePath(options.path);
  const pairs = queryPairs(options.query);
  const base = new URL(baseUrl);
  const body =
    options.body === undefined ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const language = options.language === undefined ? ENGLISH : options.language;
  // A caller's own X-Language (any case) replaces the default instead of doubling it.
  const own = Object.keys(options.headers ?? {}).some((h) => h.toLowerCase() === 'x-language');
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Host: base.host,
    ...(language !== null && !own ? { 'X-Language': language } : {}),
    ...options.headers,
  };
  if (options.token !== undefined) headers['X-Auth-Token'] = options.token;
  else if (!options.unsigned) {
    signRequest(
      { method, pathSegments: segments, queryPairs: pairs, headers, body },
      {
        ak: options.ak ?? SIMULATOR_AK,
        sk: options.sk ?? SIMULATOR_SK,
        ...(options.date ? { date: options.date } : {}),
      },
    );
  }
  const wire = { path: encodePath(segments), query: canonicalQueryString(pairs), headers, body };
  options.tamper?.(wire);
  const { Host: _host, ...sendHeaders } = wire.headers;
  const res = await request(`${base.origin}${wire.path}${wire.query ? `?${wire.query}` : ''}`, {
    method: method as Dispatcher.HttpMethod,
    headers: sendHeaders,
    ...(wire.body ? { body: wire.body } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a 502 page): keep the text.
  }
  return { status: res.statusCode, headers: res.headers, body: parsed, text };
}
