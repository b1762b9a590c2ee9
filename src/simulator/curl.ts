import { canonicalQueryString, decodePath, encodePath, parseQueryString, signRequest } from '../modelarts/index.js';
import { ENGLISH } from './language.js';

export interface SignedCurlInput {
  /** Simulator (or real endpoint) base URL, e.g. `http://127.0.0.1:8089`. */
  baseUrl: string;
  method: string;
  /** Path with an optional query; `<pid>` and `{project_id}` are replaced by `projectId`. */
  path: string;
  projectId: string;
  ak: string;
  sk: string;
  /** JSON text to send (creates, updates, lease renewals). */
  body?: string;
  /** Signing time (default now). */
  date?: Date;
  /** `X-Language` (signed), default `en-us` for English messages; `null` omits it (Chinese answers). */
  language?: string | null;
}

export interface SignedCurl {
  /** A ready-to-run curl command line (POSIX shell quoting). */
  command: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** Quotes one shell word with single quotes. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Signs one request with `SDK-HMAC-SHA256` and renders it as a curl command, so a newcomer can
 * call the signed API by hand. The wire path and query are rebuilt canonically, so what curl
 * sends is exactly what was signed.
 */
export function signedCurl(input: SignedCurlInput): SignedCurl {
  const method = input.method.toUpperCase();
  const path = input.path.replaceAll('<pid>', input.projectId).replaceAll('{project_id}', input.projectId);
  const q = path.indexOf('?');
  const rawPath = q < 0 ? path : path.slice(0, q);
  const queryPairs = parseQueryString(q < 0 ? '' : path.slice(q + 1));
  const pathSegments = decodePath(rawPath);
  const base = new URL(input.baseUrl);
  const query = canonicalQueryString(queryPairs);
  const url = `${base.origin}${encodePath(pathSegments)}${query ? `?${query}` : ''}`;
  const body = input.body ?? '';
  const language = input.language === undefined ? ENGLISH : input.language;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Host: base.host,
    ...(language !== null ? { 'X-Language': language } : {}),
  };
  signRequest(
    { method, pathSegments, queryPairs, headers, body },
    { ak: input.ak, sk: input.sk, ...(input.date ? { date: input.date } : {}) },
  );
  const parts = ['curl', '-sS', '-X', method, shellQuote(url)];
  for (const [k, v] of Object.entries(headers)) if (k !== 'Host') parts.push('-H', shellQuote(`${k}: ${v}`));
  if (body) parts.push('--data-raw', shellQuote(body));
  return { command: parts.join(' '), url, method, headers, body };
}
