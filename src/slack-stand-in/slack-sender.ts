import { createHmac, randomBytes } from 'node:crypto';

/** The state of one input element, as Slack sends it in `view.state.values[block_id][action_id]`. */
export interface StateValue {
  type: string;
  value?: string | null;
  selected_option?: { text: { type: 'plain_text'; text: string; emoji?: boolean }; value: string } | null;
  [key: string]: unknown;
}
export type StateValues = Record<string, Record<string, StateValue>>;

/** Builders for `view.state.values` entries. */
export const state = {
  text: (value: string | null): StateValue => ({ type: 'plain_text_input', value }),
  number: (value: string | null): StateValue => ({ type: 'number_input', value }),
  select: (value: string | null, text = value ?? '', type = 'static_select'): StateValue => ({
    type,
    selected_option: value === null ? null : { text: { type: 'plain_text', text, emoji: true }, value },
  }),
  external: (value: string | null, text = value ?? ''): StateValue => state.select(value, text, 'external_select'),
  radio: (value: string, text = value): StateValue => state.select(value, text, 'radio_buttons'),
};

export interface SlackSenderOptions {
  /** The receiver's events URL, e.g. `http://127.0.0.1:3000/slack/events`. */
  url: string;
  signingSecret: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** Base of `response_url`s (FakeSlackApi's `baseUrl`: it accepts posts at `/response/...`). */
  responseBaseUrl?: string;
  /** Wall clock in ms for request timestamps (Bolt checks them against its own clock). */
  now?: () => number;
}

/** Per-request knobs: a stale or forged request, or a Slack retry. */
export interface SendOptions {
  /** Seconds since epoch to sign with (default now). */
  timestamp?: number;
  /** Send this signature instead of the right one. */
  signature?: string;
  /** Sign with this secret instead (a request from another app). */
  signingSecret?: string;
  /** Adds `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`, as Slack does when an ack was late. */
  retryNum?: number;
  retryReason?: string;
  /** Socket Mode (SocketModeSender): the envelope id; a redelivery reuses the first one's. */
  envelopeId?: string;
}

/** What the receiver answered. `json` when the body was JSON. */
export interface SenderResponse {
  status: number;
  text: string;
  json: unknown;
  elapsedMs: number;
}

export interface UserRef {
  id: string;
  name?: string;
}

/** A view as the bot sent it (views.open/update) plus what Slack adds: id, hash, state. */
export interface ViewPayload {
  id: string;
  hash?: string;
  callback_id?: string;
  private_metadata?: string;
  blocks?: unknown[];
  type?: 'modal' | 'home';
  state?: { values: StateValues };
  [key: string]: unknown;
}

/**
 * Sends requests the way Slack does to an HTTP receiver, signed with the app's signing secret
 * (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`): slash commands (form body), interactivity
 * (`payload=` with block_actions, view_submission, block_suggestion) and events (JSON). Payloads
 * mirror Slack's (team, user, api_app_id, trigger_id, response_url, view.state.values,
 * private_metadata). Used by tests, the demo and the benchmarks.
 */
export class SlackSender {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly apiAppId: string;
  private readonly now: () => number;
  private counter = 0;

  constructor(private readonly options: SlackSenderOptions) {
    this.teamId = options.teamId ?? 'T0TEAM001';
    this.teamDomain = options.teamDomain ?? 'fake-team';
    this.apiAppId = options.apiAppId ?? 'A0NOTEBOOK1';
    this.now = options.now ?? Date.now;
  }

  /** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`. */
  static sign(signingSecret: string, timestamp: number, body: string): string {
    return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  }

  /** A fresh, realistic trigger_id. */
  triggerId(): string {
    this.counter += 1;
    return `${1_000_000_000 + this.counter}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;
  }

  /** A fresh response_url on the Web API stand-in. */
  responseUrl(): string {
    const base = this.options.responseBaseUrl ?? 'https://hooks.slack.com';
    return `${base}/response/${this.teamId}/${Date.now()}${this.counter++}/${randomBytes(12).toString('hex')}`;
  }

  private team() {
    return { id: this.teamId, domain: this.teamDomain };
  }

  private user(u: UserRef) {
    const name = u.name ?? u.id.toLowerCase();
    return { id: u.id, username: name, name, team_id: this.teamId };
  }

  /** Sends a raw body with Slack's headers. */
  async send(body: string, contentType: string, opts: SendOptions = {}): Promise<SenderResponse> {
    const timestamp = opts.timestamp ?? Math.floor(this.now() / 1000);
    const signature =
      opts.signature ?? SlackSender.sign(opts.signingSecret ?? this.options.signingSecret, timestamp, body);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
    }
    const started = performance.now();
    const res = await fetch(this.options.url, { method: 'POST', headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, elapsedMs: performance.now() - started };
  }

  /** Sends an interactivity payload (`payload=<json>`, form-encoded). */
  async interactive(payload: Record<string, unknown>, opts?: SendOptions): Promise<SenderResponse> {
    return this.send(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
      opts,
    );
  }

  /** A slash command, form-encoded like Slack's. Returns the response and the ids used. */
  async slashCommand(
    input: {
      user: UserRef;
      channelId: string;
      text: string;
      command?: string;
      channelName?: string;
      triggerId?: string;
      responseUrl?: string;
    },
    opts?: SendOptions,
  ): Promise<SenderResponse & { triggerId: string; responseUrl: string }> {
    const triggerId = input.triggerId ?? this.triggerId();
    const responseUrl = input.responseUrl ?? this.responseUrl();
    const body = new URLSearchParams({
      token: 'verification-token-unused',
      team_id: this.teamId,
      team_domain: this.teamDomain,
      channel_id: input.channelId,
      channel_name: input.channelName ?? (input.channelId.startsWith('D') ? 'directmessage' : 'general'),
      user_id: input.user.id,
      user_name: input.user.name ?? input.user.id.toLowerCase(),
      command: input.command ?? '/notebook',
      text: input.text,
      api_app_id: this.apiAppId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    }).toString();
    const res = await this.send(body, 'application/x-www-form-urlencoded', opts);
    return { ...res, triggerId, responseUrl };
  }

  /**
   * A button click or a select change. In a modal (`view` given) the container is the view;
   * in a message, the message; on App Home, the home view.
   */
  async blockActions(
    input: {
      user: UserRef;
      actions: Array<Record<string, unknown>>;
      view?: ViewPayload;
      channelId?: string;
      messageTs?: string;
      isEphemeral?: boolean;
      triggerId?: string;
      responseUrl?: string;
      actionTs?: string;
    },
    opts?: SendOptions,
  ): Promise<SenderResponse> {
    const actionTs = input.actionTs ?? (this.now() / 1000).toFixed(6);
    const actions = input.actions.map((a) => ({ action_ts: actionTs, block_id: 'block', ...a }));
    const payload: Record<string, unknown> = {
      type: 'block_actions',
      user: this.user(input.user),
      api_app_id: this.apiAppId,
      token: 'verification-token-unused',
      team: this.team(),
      enterprise: null,
      is_enterprise_install: false,
      trigger_id: input.triggerId ?? this.triggerId(),
      actions,
    };
    if (input.view) {
      const v = this.fullView(input.view);
      payload['view'] = v;
      payload['container'] = { type: 'view', view_id: v['id'] };
      payload['state'] = v['state'];
    } else if (input.messageTs && input.channelId) {
      payload['container'] = {
        type: 'message',
        message_ts: input.messageTs,
        channel_id: input.channelId,
        is_ephemeral: input.isEphemeral ?? true,
      };
      payload['channel'] = { id: input.channelId, name: 'general' };
      payload['message'] = { type: 'message', ts: input.messageTs, text: '' };
      payload['response_url'] = input.responseUrl ?? this.responseUrl();
    }
    return this.interactive(payload, opts);
  }

  /** A modal submitted with the given state values. */
  async viewSubmission(
    input: { user: UserRef; view: ViewPayload; values: StateValues },
    opts?: SendOptions,
  ): Promise<SenderResponse> {
    const view = this.fullView({ ...input.view, state: { values: input.values } });
    return this.interactive(
      {
        type: 'view_submission',
        team: this.team(),
        user: this.user(input.user),
        api_app_id: this.apiAppId,
        token: 'verification-token-unused',
        trigger_id: this.triggerId(),
        view,
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      },
      opts,
    );
  }

  /** An external_select asking for options: `value` is what the user typed. */
  async blockSuggestion(
    input: { user: UserRef; blockId: string; actionId: string; value: string; view?: ViewPayload },
    opts?: SendOptions,
  ): Promise<SenderResponse> {
    const payload: Record<string, unknown> = {
      type: 'block_suggestion',
      user: this.user(input.user),
      container: input.view ? { type: 'view', view_id: input.view.id } : { type: 'message' },
      api_app_id: this.apiAppId,
      token: 'verification-token-unused',
      action_id: input.actionId,
      block_id: input.blockId,
      value: input.value,
      team: this.team(),
      enterprise: null,
      is_enterprise_install: false,
    };
    if (input.view) payload['view'] = this.fullView(input.view);
    return this.interactive(payload, opts);
  }

  /** An Events API callback (JSON), e.g. `{type: 'app_home_opened', user, tab: 'home'}`. */
  async event(event: Record<string, unknown>, opts?: SendOptions & { eventId?: string }): Promise<SenderResponse> {
    const eventTime = Math.floor(this.now() / 1000);
    const body = JSON.stringify({
      token: 'verification-token-unused',
      team_id: this.teamId,
      api_app_id: this.apiAppId,
      event: { event_ts: (this.now() / 1000).toFixed(6), ...event },
      type: 'event_callback',
      event_id: opts?.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
      event_time: eventTime,
      authorizations: [
        { enterprise_id: null, team_id: this.teamId, user_id: 'U0BOT0001', is_bot: true, is_enterprise_install: false },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(8).toString('hex')}`,
    });
    return this.send(body, 'application/json', opts);
  }

  /** Fills in what Slack adds to a view in payloads. */
  private fullView(v: ViewPayload): Record<string, unknown> {
    return {
      type: 'modal',
      team_id: this.teamId,
      app_id: this.apiAppId,
      app_installed_team_id: this.teamId,
      bot_id: 'B0BOT0001',
      root_view_id: v.id,
      previous_view_id: null,
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
      private_metadata: '',
      callback_id: '',
      hash: v.hash ?? `${Math.floor(this.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      ...v,
      state: v.state ?? { values: {} },
    };
  }
}
