import type { FetchFunction } from '@slack/web-api';
import { type Dispatcher, request } from 'undici';

type FetchResponse = Awaited<ReturnType<FetchFunction>>;
type FetchInit = Parameters<FetchFunction>[1];

/** Headers of an undici response behind the part of the Fetch `Headers` API WebClient reads. */
class LeanHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const key of Object.keys(this.raw)) {
      const v = this.get(key);
      if (v !== null) yield [key, v];
    }
  }
}

/** A Web API answer, read whole (small JSON documents), behind the part of `Response` WebClient reads. */
class LeanResponse implements FetchResponse {
  readonly ok: boolean;
  readonly statusText = '';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: LeanHeaders,
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }
  async text(): Promise<string> {
    return this.bytes.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.bytes;
    return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
  }
}

/**
 * The `fetch` every `WebClient` of the bot is given: the Web API's calls (a form-encoded string
 * POSTed, a small JSON document back) through undici's `request` on a pooled keep-alive
 * connection, instead of the WHATWG `fetch`, whose streams, `Headers`/`Request` objects and body
 * mixins cost the web role about a third of its Web API garbage (measured in bench/README.md).
 * Same behaviour where `WebClient` looks: status, headers (`retry-after`, `content-type`, scopes),
 * body, a timeout through `signal` (an abort rejects, and `WebClient` retries it as a request
 * error); redirects are not followed (`WebClient` asks for `redirect: 'error'`: a 3xx is a
 * non-200 answer, an error either way). Anything else (a file upload's `FormData` or stream body,
 * a GET with options this does not know) goes to the global `fetch`, unchanged.
 */
export function createSlackFetch(): FetchFunction {
  return async (url, init) => {
    const body = init?.body;
    if (!isSimple(init) || (body !== undefined && typeof body !== 'string')) return globalThis.fetch(url, init);
    const href = String(url);
    const res = await request(href, {
      method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
      ...(init?.headers ? { headers: init.headers } : {}),
      ...(typeof body === 'string' ? { body } : {}),
      ...(init?.signal ? { signal: init.signal } : {}),
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    return new LeanResponse(href, res.statusCode, new LeanHeaders(res.headers), bytes);
  };
}

/** Only what WebClient sends for a Web API call: method, plain headers, body, redirect, signal. */
function isSimple(init: FetchInit): boolean {
  if (!init) return true;
  for (const key of Object.keys(init)) {
    if (!['method', 'headers', 'body', 'redirect', 'signal'].includes(key)) return false;
  }
  const headers: unknown = init.headers;
  return (
    headers === undefined ||
    (typeof headers === 'object' && headers !== null && !Array.isArray(headers) && !(headers instanceof Headers))
  );
}
