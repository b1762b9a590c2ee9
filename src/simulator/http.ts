import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseQueryString } from '../modelarts/index.js';
import { type SimApiError, simErrors } from './errors.js';
import { text } from './language.js';
import type { QueryParams } from './paging.js';

/** Largest request body accepted (create bodies are a few KB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A 32-hex request id, like the `X-Request-Id` of Huawei's gateway (randomUUID: pooled entropy, cheap). */
export function newRequestId(): string {
  return randomUUID().replaceAll('-', '');
}

/** Splits `req.url` into the raw (still encoded) path and query. */
export function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/** Decoded query parameters; malformed percent-encoding is a ModelArts.0104. */
export function queryParams(rawQuery: string): QueryParams {
  try {
    return Object.fromEntries(parseQueryString(rawQuery));
  } catch {
    throw simErrors.badParameter(
      text('the query string is not valid percent-encoding', '查询字符串的百分号编码不合法'),
    );
  }
}

/** Reads the whole body (needed to check the signature's body hash). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw simErrors.bodyTooLarge();
    chunks.push(buf);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** A lazy JSON parser over a body: an empty body is `undefined`, malformed JSON a ModelArts.0104. */
export function jsonBody(body: Buffer): () => unknown {
  let parsed: { value: unknown } | undefined;
  return () => {
    if (parsed) return parsed.value;
    if (body.length === 0) {
      parsed = { value: undefined };
      return undefined;
    }
    try {
      parsed = { value: JSON.parse(body.toString('utf8')) };
    } catch {
      throw simErrors.badParameter(text('the request body is not valid JSON', '请求体不是合法的JSON'));
    }
    return parsed.value;
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: SimApiError): void {
  sendJson(res, err.status, err.body, err.headers);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
