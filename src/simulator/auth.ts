import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../clock.js';
import {
  canonicalRequest,
  decodePath,
  parseAuthorization,
  parseQueryString,
  parseSdkDate,
  signature,
  signaturesEqual,
  stringToSign,
} from '../modelarts/index.js';
import type { SimUser } from './defaults.js';
import { simErrors } from './errors.js';
import type { IamService } from './iam.js';

/** An AK/SK pair the simulated gateway accepts. */
export interface SimulatorCredential {
  ak: string;
  sk: string;
  /** Owner of the instances created with this key (default: the simulator's user). */
  user?: SimUser;
}

/** Which "now" `X-Sdk-Date` is compared with: the injected clock, the wall clock, or either (default). */
export type SkewReference = 'clock' | 'wall' | 'either';

/** Repeated signature failures lock the AK, as Huawei's gateway does (5 failures → 5 minutes). */
export interface LockoutOptions {
  failures: number;
  durationMs: number;
}

export interface AuthRequest {
  method: string;
  /** Path exactly as on the wire (still percent-encoded). */
  rawPath: string;
  /** Query string as on the wire, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Principal {
  method: 'aksk' | 'token';
  user: SimUser;
  /** The project the token is scoped to (tokens only). */
  projectId?: string;
}

export interface AuthenticatorOptions {
  credentials: readonly SimulatorCredential[];
  defaultUser: SimUser;
  clock: Clock;
  maxSkewMs: number;
  skewReference: SkewReference;
  lockout: LockoutOptions | false;
  iam: IamService | undefined;
}

/**
 * Verifies requests like Huawei's API gateway: `SDK-HMAC-SHA256` signatures rebuilt from the raw
 * wire path and query with the headers the client listed (host and x-sdk-date must be among
 * them), or an `X-Auth-Token` from the simulated IAM.
 */
export class Authenticator {
  private readonly secrets: ReadonlyMap<string, SimulatorCredential>;
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();

  constructor(private readonly options: AuthenticatorOptions) {
    this.secrets = new Map(options.credentials.map((c) => [c.ak, c]));
  }

  /** The principal of a valid request; throws the gateway's 401 answer otherwise. */
  authenticate(req: AuthRequest): Principal {
    const authorization = header(req.headers, 'authorization');
    if (authorization !== undefined) return this.verifySignature(req, authorization);
    const token = header(req.headers, 'x-auth-token');
    if (token !== undefined) return this.verifyToken(token);
    throw simErrors.missingAuth();
  }

  /** Forgets failure counts and locks. */
  reset(): void {
    this.failures.clear();
  }

  private verifyToken(token: string): Principal {
    const iam = this.options.iam;
    if (!iam) throw simErrors.badToken('token authentication is disabled');
    const found = iam.verify(token);
    if (!found.ok) throw simErrors.badToken(found.reason);
    return { method: 'token', user: found.user, projectId: found.projectId };
  }

  private verifySignature(req: AuthRequest, authorization: string): Principal {
    const parsed = parseAuthorization(authorization);
    if (!parsed)
      throw simErrors.badAuthHeader(
        'Authorization header is not SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…',
      );
    const signed = parsed.signedHeaders.map((h) => h.toLowerCase());
    if (!signed.includes('host') || !signed.includes('x-sdk-date')) {
      throw simErrors.badAuthHeader('SignedHeaders must include host and x-sdk-date');
    }
    const sdkDate = header(req.headers, 'x-sdk-date');
    const date = sdkDate === undefined ? undefined : parseSdkDate(sdkDate);
    if (sdkDate === undefined || !date) throw simErrors.badAuthHeader('X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ');

    const credential = this.secrets.get(parsed.access);
    const now = this.options.clock.now();
    const lock = this.failures.get(parsed.access);
    if (lock && lock.lockedUntil > now) throw simErrors.akLocked();
    if (!credential) throw simErrors.badSignature();

    if (!this.withinSkew(date.getTime(), now)) throw simErrors.expiredSignature();

    let expected: string;
    try {
      const headers: Record<string, string> = {};
      for (const name of signed) headers[name] = header(req.headers, name) ?? '';
      const canonical = canonicalRequest({
        method: req.method,
        pathSegments: decodePath(req.rawPath),
        queryPairs: parseQueryString(req.rawQuery),
        headers,
        signedHeaders: signed,
        body: req.body,
      });
      expected = signature(credential.sk, stringToSign(sdkDate, canonical));
    } catch (err) {
      if (err instanceof URIError) throw simErrors.badSignature();
      throw err;
    }
    if (!signaturesEqual(expected, parsed.signature)) {
      this.recordFailure(parsed.access, now);
      throw simErrors.badSignature();
    }
    this.failures.delete(parsed.access);
    return { method: 'aksk', user: credential.user ?? this.options.defaultUser };
  }

  private withinSkew(signedAt: number, now: number): boolean {
    const max = this.options.maxSkewMs;
    const clockOk = Math.abs(signedAt - now) <= max;
    const wallOk = Math.abs(signedAt - Date.now()) <= max;
    switch (this.options.skewReference) {
      case 'clock':
        return clockOk;
      case 'wall':
        return wallOk;
      default:
        return clockOk || wallOk;
    }
  }

  private recordFailure(ak: string, now: number): void {
    const lockout = this.options.lockout;
    if (!lockout) return;
    const entry = this.failures.get(ak) ?? { count: 0, lockedUntil: 0 };
    entry.count++;
    if (entry.count >= lockout.failures) {
      entry.count = 0;
      entry.lockedUntil = now + lockout.durationMs;
    }
    this.failures.set(ak, entry);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}
