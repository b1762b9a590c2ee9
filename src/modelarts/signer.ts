import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Huawei Cloud API Gateway signing, `SDK-HMAC-SHA256`, as done by Huawei's own SDKs.
 * Canonical-request building is kept apart from the HMAC and from HTTP so each can be checked
 * against the published vector on its own; the simulator verifies with the same functions.
 */
export const ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type QueryValue = string | number | boolean | undefined | null | ReadonlyArray<string | number | boolean>;
export type Query = Readonly<Record<string, QueryValue>>;

/** Percent-encodes everything but `A-Za-z0-9-_.~`, with uppercase hex (RFC 3986 unreserved). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Flattens a query object into [key, value] pairs; undefined/null are dropped, arrays repeat the key. */
export function queryPairs(query: Query | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) pairs.push([k, String(item)]);
    else pairs.push([k, String(v)]);
  }
  return pairs;
}

/** Code point order, which is UTF-8 byte order (JS `<` compares UTF-16 code units: not the same above U+FFFF). */
const byCodePoint = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The canonical query: pairs sorted by decoded key, then decoded value (code point order), then
 * encoded, `k=v` joined by `&`, as Huawei's signers do (huaweicloud-sdk-go-v3
 * `core/auth/signer/signer.go`, and `@huaweicloud/huaweicloud-sdk-core`'s AKSKSigner, which
 * test/modelarts-signer-conformance.test.ts checks us against). Sorting the encoded text would
 * order `%C3%A9` before `z`. It is also the exact query string to put on the wire.
 */
export function canonicalQueryString(pairs: ReadonlyArray<readonly [string, string]>): string {
  return [...pairs]
    .sort((a, b) => byCodePoint(a[0], b[0]) || byCodePoint(a[1], b[1]))
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join('&');
}

/** Encodes each decoded path segment; used both for the wire path and, with a trailing `/`, for signing. */
export function encodePath(segments: readonly string[]): string {
  return `/${segments.map(encodeRfc3986).join('/')}`;
}

/** The canonical URI: the encoded path, always ending in `/`. */
export function canonicalUri(segments: readonly string[]): string {
  const p = encodePath(segments);
  return p.endsWith('/') ? p : `${p}/`;
}

/** Splits a raw wire path into decoded segments (the inverse of `encodePath`). */
export function decodePath(rawPath: string): string[] {
  const trimmed = rawPath.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return [];
  return trimmed.split('/').map((s) => decodeURIComponent(s));
}

/** Parses a raw wire query string into decoded pairs (`+` is a literal plus, as Huawei signs it). */
export function parseQueryString(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      return [decodeURIComponent(k), decodeURIComponent(v)] as [string, string];
    });
}

export interface CanonicalInput {
  method: string;
  /** Decoded path segments, e.g. ['v1', projectId, 'notebooks']. */
  pathSegments: readonly string[];
  queryPairs: ReadonlyArray<readonly [string, string]>;
  /** Header names in any case; only those listed in `signedHeaders` are used. */
  headers: Readonly<Record<string, string>>;
  signedHeaders: readonly string[];
  body: string | Uint8Array;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function lowerHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) m.set(k.toLowerCase(), v);
  return m;
}

/** The signed header list: lowercase, sorted, deduplicated. */
export function normalizeSignedHeaders(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].sort(byCodePoint);
}

export function canonicalRequest(input: CanonicalInput): string {
  const headers = lowerHeaders(input.headers);
  const signed = normalizeSignedHeaders(input.signedHeaders);
  const canonicalHeaders = signed.map((h) => `${h}:${(headers.get(h) ?? '').trim()}\n`).join('');
  const bodyHash = input.body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(input.body);
  return [
    input.method.toUpperCase(),
    canonicalUri(input.pathSegments),
    canonicalQueryString(input.queryPairs),
    canonicalHeaders,
    signed.join(';'),
    bodyHash,
  ].join('\n');
}

export function stringToSign(sdkDate: string, canonicalRequestText: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequestText)}`;
}

export function signature(sk: string, toSign: string): string {
  return createHmac('sha256', sk).update(toSign).digest('hex');
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Parses an `X-Sdk-Date` value; undefined when malformed. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface SignOptions {
  ak: string;
  sk: string;
  /** Defaults to now; tests pin it. */
  date?: Date;
}

/**
 * Signs a request in place: adds `X-Sdk-Date` and `Authorization` to `headers` (which must
 * already hold `Host`, `Content-Type` and any other header to sign, such as `X-Project-Id` and
 * `X-Security-Token`). Every header present except `Authorization` is signed.
 */
export function signRequest(
  input: Omit<CanonicalInput, 'signedHeaders'> & { headers: Record<string, string> },
  options: SignOptions,
): { authorization: string; sdkDate: string; signedHeaders: string[] } {
  const sdkDate = formatSdkDate(options.date ?? new Date());
  input.headers['X-Sdk-Date'] = sdkDate;
  const signedHeaders = normalizeSignedHeaders(
    Object.keys(input.headers).filter((h) => h.toLowerCase() !== 'authorization'),
  );
  const canonical = canonicalRequest({ ...input, signedHeaders });
  const sig = signature(options.sk, stringToSign(sdkDate, canonical));
  const authorization = `${ALGORITHM} Access=${options.ak}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
  input.headers['Authorization'] = authorization;
  return { authorization, sdkDate, signedHeaders };
}

export interface ParsedAuthorization {
  access: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
    value.trim(),
  );
  if (!m) return undefined;
  return { access: m[1]!, signedHeaders: m[2]!.split(';'), signature: m[3]! };
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
