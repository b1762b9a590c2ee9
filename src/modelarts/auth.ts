import type { Clock } from '../clock.js';
import type { PreparedRequest } from './http.js';
import type { IamTokenProvider } from './iam.js';
import { signRequest } from './signer.js';

/** Adds credentials to a request. Called once per attempt, so each retry is freshly signed. */
export interface RequestAuthorizer {
  authorize(req: PreparedRequest, signal?: AbortSignal): Promise<void>;
  /**
   * The service answered 401 to `req`. Returns true when the credential was replaced and one more
   * attempt may succeed (an expired or revoked cached token); false when retrying would only send
   * the same rejected credential again (a bad AK/SK, which five failures lock).
   */
  renewAfterUnauthorized(req: PreparedRequest): boolean;
}

export interface AkSkCredentials {
  ak: string;
  sk: string;
  /** Temporary credentials (STS) also carry a security token, which is sent and signed. */
  securityToken?: string | undefined;
}

/** Signs every request with `SDK-HMAC-SHA256`, dated by `clock` (the gateway allows 15 min skew). */
export function akskAuthorizer(credentials: AkSkCredentials, clock: Clock): RequestAuthorizer {
  return {
    async authorize(req) {
      // Set before signing: signRequest signs every header present, so the token is covered too.
      if (credentials.securityToken) req.headers['X-Security-Token'] = credentials.securityToken;
      signRequest(
        {
          method: req.method,
          pathSegments: req.pathSegments,
          queryPairs: req.queryPairs,
          headers: req.headers,
          body: req.body,
        },
        { ak: credentials.ak, sk: credentials.sk, date: new Date(clock.now()) },
      );
    },
    renewAfterUnauthorized: () => false,
  };
}

const AUTH_TOKEN_HEADER = 'X-Auth-Token';

/** Sends an IAM token as `X-Auth-Token`; a 401 drops the cached token so the next attempt fetches one. */
export function iamTokenAuthorizer(provider: IamTokenProvider): RequestAuthorizer {
  return {
    async authorize(req, signal) {
      req.headers[AUTH_TOKEN_HEADER] = await provider.getToken(signal);
    },
    renewAfterUnauthorized(req) {
      const token = req.headers[AUTH_TOKEN_HEADER];
      if (token === undefined) return false;
      provider.invalidate(token);
      return true;
    },
  };
}
