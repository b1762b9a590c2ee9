import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  decodePath,
  encodePath,
  parseAuthorization,
  parseQueryString,
  sha256Hex,
  signature,
  signRequest,
  stringToSign,
} from '../src/modelarts/signer.js';

// Huawei's published signing-guide vector (../shared/docs/modelarts-api.md).
const VECTOR = {
  ak: 'QTWAOYTTINDUT2QVKYUC',
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  date: '20191115T033655Z',
  canonicalHash: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
  signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
};

describe('SDK-HMAC-SHA256 signer', () => {
  const input = {
    method: 'GET',
    pathSegments: ['v1', '77b6a44cba5143ab91d13ab9a8ff44fd', 'vpcs'],
    queryPairs: [
      ['marker', '13551d6b-755d-4757-b956-536f674975c0'],
      ['limit', '2'],
    ] as Array<[string, string]>,
    headers: {
      'Content-Type': 'application/json',
      Host: 'service.region.example.com',
      'X-Sdk-Date': VECTOR.date,
    },
    signedHeaders: ['content-type', 'host', 'x-sdk-date'],
    body: '',
  };

  it('reproduces the published canonical request hash and signature byte for byte', () => {
    const canonical = canonicalRequest(input);
    expect(canonical).toBe(
      [
        'GET',
        '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
        'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
        'content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n',
        'content-type;host;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(sha256Hex(canonical)).toBe(VECTOR.canonicalHash);
    expect(signature(VECTOR.sk, stringToSign(VECTOR.date, canonical))).toBe(VECTOR.signature);
  });

  it('signRequest yields the same Authorization header for the vector', () => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Host: 'service.region.example.com' };
    const { authorization } = signRequest(
      { method: 'GET', pathSegments: input.pathSegments, queryPairs: input.queryPairs, headers, body: '' },
      { ak: VECTOR.ak, sk: VECTOR.sk, date: new Date(Date.UTC(2019, 10, 15, 3, 36, 55)) },
    );
    expect(authorization).toBe(
      `SDK-HMAC-SHA256 Access=${VECTOR.ak}, SignedHeaders=content-type;host;x-sdk-date, Signature=${VECTOR.signature}`,
    );
    expect(parseAuthorization(authorization)).toEqual({
      access: VECTOR.ak,
      signedHeaders: ['content-type', 'host', 'x-sdk-date'],
      signature: VECTOR.signature,
    });
  });

  it('encodes awkward query values and path segments the way the gateway does', () => {
    const pairs: Array<[string, string]> = [
      ['name', 'my notebook*(1)'],
      ['a', "!'~_.-"],
      ['z', 'ünï/ç+='],
      ['empty', ''],
    ];
    const q = canonicalQueryString(pairs);
    expect(q).toBe('a=%21%27~_.-&empty=&name=my%20notebook%2A%281%29&z=%C3%BCn%C3%AF%2F%C3%A7%2B%3D');
    expect(parseQueryString(q).sort()).toEqual([...pairs].sort());
    expect(canonicalUri(['v1', 'p', 'a b*'])).toBe('/v1/p/a%20b%2A/');
    expect(decodePath(encodePath(['v1', 'p', 'a b*', 'ü']))).toEqual(['v1', 'p', 'a b*', 'ü']);
  });

  it('sorts repeated keys by value and hashes a non-empty body', () => {
    expect(
      canonicalQueryString([
        ['k', 'b'],
        ['k', 'a'],
        ['j', '1'],
      ]),
    ).toBe('j=1&k=a&k=b');
    const c = canonicalRequest({ ...input, method: 'post', queryPairs: [], body: '{"a":1}' });
    expect(c.split('\n')[0]).toBe('POST');
    expect(c.endsWith(sha256Hex('{"a":1}'))).toBe(true);
  });
});
