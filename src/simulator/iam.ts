import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { SimUser } from './defaults.js';
import { iamError, type SimApiError } from './errors.js';

/** A password user of the simulated IAM. */
export interface IamUser {
  /** Account (domain) name. */
  domain: string;
  name: string;
  password: string;
  /** Identity reported in tokens and as the owner of instances (default derived from the names). */
  user?: SimUser;
}

export interface IamOptions {
  users?: readonly IamUser[];
  /** Token lifetime in simulated ms (default 24 h). */
  tokenTtlMs?: number;
}

/** A token issued by {@link IamService.issue}. */
export interface IssuedToken {
  token: string;
  /** Simulated epoch ms. */
  expiresAt: number;
  user: SimUser;
  projectId: string;
}

const PasswordAuthSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z
        .array(z.string())
        .refine((m) => m.includes('password'), { message: 'methods must include "password"' }),
      password: z.object({
        user: z.object({
          name: z.string().min(1),
          password: z.string(),
          domain: z.object({ name: z.string().min(1) }),
        }),
      }),
    }),
    scope: z.object({
      project: z.union([z.object({ id: z.string().min(1) }), z.object({ name: z.string().min(1) })]),
    }),
  }),
});

export interface IamServiceOptions extends IamOptions {
  clock: Clock;
  projectId: string;
  /** The project name accepted in `scope.project.name` (the region name, as on Huawei Cloud). */
  projectName: string;
  users: readonly IamUser[];
  tokenTtlMs: number;
  userFor: (u: IamUser) => SimUser;
}

/** `POST /v3/auth/tokens` with password authentication, and verification of the tokens it issued. */
export class IamService {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(private readonly options: IamServiceOptions) {}

  /**
   * Handles a password-auth body: 201 with `X-Subject-Token` on success, a Keystone-style 400/401
   * body otherwise (thrown as {@link SimApiError}).
   */
  issueFromBody(body: unknown): { issued: IssuedToken; body: Record<string, unknown> } {
    const parsed = PasswordAuthSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw iamError(400, `Invalid request body: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'malformed'}`);
    }
    const { identity, scope } = parsed.data.auth;
    const u = identity.password.user;
    const account = this.options.users.find((x) => x.name === u.name && x.domain === u.domain.name);
    if (!account || account.password !== u.password) throw iamError(401, 'The username or password is wrong.');
    const project = scope.project;
    const projectMatches =
      'id' in project ? project.id === this.options.projectId : project.name === this.options.projectName;
    if (!projectMatches) throw iamError(401, 'The project in scope does not exist or is not accessible.');
    const issued = this.issue(account);
    return { issued, body: this.tokenBody(issued) };
  }

  /** Issues a token directly (tests that skip the HTTP round trip). */
  issue(account: IamUser = this.options.users[0]!): IssuedToken {
    const now = this.options.clock.now();
    // Real tokens are long opaque strings starting with "MII"; the length is part of the realism.
    const token = `MIIsim${randomBytes(96).toString('base64url')}`;
    const issued: IssuedToken = {
      token,
      expiresAt: now + this.options.tokenTtlMs,
      user: this.options.userFor(account),
      projectId: this.options.projectId,
    };
    this.tokens.set(token, issued);
    return issued;
  }

  verify(token: string): { ok: true; user: SimUser; projectId: string } | { ok: false; reason: string } {
    const found = this.tokens.get(token);
    if (!found) return { ok: false, reason: 'token is invalid' };
    if (found.expiresAt <= this.options.clock.now()) return { ok: false, reason: 'token has expired' };
    return { ok: true, user: found.user, projectId: found.projectId };
  }

  reset(): void {
    this.tokens.clear();
  }

  private tokenBody(t: IssuedToken): Record<string, unknown> {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z');
    return {
      token: {
        expires_at: iso(t.expiresAt),
        issued_at: iso(t.expiresAt - this.options.tokenTtlMs),
        methods: ['password'],
        catalog: [],
        roles: [{ id: '0', name: 'op_fine_grained' }],
        project: {
          id: t.projectId,
          name: this.options.projectName,
          domain: { id: t.user.domain.id, name: t.user.domain.name },
        },
        user: {
          id: t.user.id,
          name: t.user.name,
          domain: { id: t.user.domain.id, name: t.user.domain.name },
          password_expires_at: '',
        },
      },
    };
  }
}
