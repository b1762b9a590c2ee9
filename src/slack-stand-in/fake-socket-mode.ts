import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FakeSlackApi } from './fake-slack-api.js';
import { type SenderResponse, type SendOptions, SlackSender, type SlackSenderOptions } from './slack-sender.js';
import { waitUntil } from './wait-until.js';

/** RFC 6455's key suffix for `Sec-WebSocket-Accept`. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** What the app answered to an envelope (`{envelope_id, payload}`). */
export interface SocketAck {
  envelopeId: string;
  payload: Record<string, unknown> | undefined;
  /** Which connection carried it (1-based, in the order they opened). */
  connection: number;
}

/**
 * One WebSocket connection on the server side: RFC 6455 framing over the upgraded socket, enough
 * for a client that sends unfragmented or fragmented text, pings and a close: text frames out,
 * pongs to pings, the close handshake.
 */
export class FakeSocketConnection {
  /** Text messages received, parsed when JSON. */
  readonly received: unknown[] = [];
  open = true;
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closeSent = false;

  constructor(
    readonly id: number,
    private readonly socket: Duplex,
    private readonly onText: (conn: FakeSocketConnection, text: string) => void,
    /** Bytes the client sent right after its upgrade request. */
    head: Buffer = Buffer.alloc(0),
  ) {
    if (head.length > 0) this.onData(head);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.open = false;
    });
    socket.on('error', () => {
      this.open = false;
    });
  }

  /** Sends a text frame (an object is sent as JSON). */
  send(message: string | Record<string, unknown>): void {
    this.frame(OP.text, Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)));
  }

  /** Starts the close handshake. */
  close(code = 1000): void {
    if (this.closeSent || !this.open) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.frame(OP.close, payload);
  }

  /** Drops the TCP connection without a close frame (a network failure, as the client sees it). */
  destroy(): void {
    this.open = false;
    this.socket.destroy();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (!this.open) return;
    const len = payload.length;
    let header: Buffer;
    if (len < 126) {
      header = Buffer.from([0x80 | opcode, len]);
    } else if (len < 65_536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(len, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(len), 2);
    }
    this.socket.write(Buffer.concat([header, payload]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0]!;
      const b1 = this.buffer[1]!;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const total = offset + (masked ? 4 : 0) + length;
      if (this.buffer.length < total) return;
      const payload = Buffer.from(this.buffer.subarray(total - length, total));
      if (masked) {
        const mask = this.buffer.subarray(offset, offset + 4);
        for (let i = 0; i < payload.length; i += 1) payload[i] = payload[i]! ^ mask[i % 4]!;
      }
      this.buffer = this.buffer.subarray(total);
      this.onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP.text:
      case OP.continuation:
        this.fragments.push(payload);
        if (fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.onText(this, text);
        }
        return;
      case OP.ping:
        this.frame(OP.pong, payload);
        return;
      case OP.close:
        if (!this.closeSent) {
          this.closeSent = true;
          this.frame(OP.close, payload.subarray(0, 2));
        }
        this.open = false;
        this.socket.end();
        return;
      default:
        // binary and pong frames: nothing to do
        return;
    }
  }
}

export interface FakeSocketModeOptions {
  /** `connection_info.app_id` in `hello`. */
  appId?: string;
  /** Say `hello` as soon as a connection opens (default true); false: call `sayHello()`. */
  hello?: boolean;
}

/**
 * A stand-in for Slack's Socket Mode on loopback: `attach(api)` makes FakeSlackApi answer
 * `apps.connections.open` with a one-use `ws://127.0.0.1:<port>/link/?ticket=…` URL; a client
 * that connects there gets `hello`, then whatever the test delivers: envelopes
 * (`slash_commands`, `interactive`, `events_api`, with `retry_attempt` for Slack's retries),
 * `disconnect` messages, raw text. Acks are recorded by envelope id.
 */
export class FakeSocketModeServer {
  /** Every connection accepted, oldest first. */
  readonly connections: FakeSocketConnection[] = [];
  readonly acks: SocketAck[] = [];
  /** URLs handed out by apps.connections.open. */
  readonly urlsIssued: string[] = [];
  /** Upgrade requests refused (unknown or reused ticket). */
  refusedUpgrades = 0;
  readonly appId: string;
  private server: Server | undefined;
  private readonly tickets = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private sayHelloOnOpen: boolean;
  private port = 0;

  constructor(options: FakeSocketModeOptions = {}) {
    this.appId = options.appId ?? 'A0NOTEBOOK1';
    this.sayHelloOnOpen = options.hello ?? true;
  }

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('WebSocket only');
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.destroy();
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.server = undefined;
  }

  /** Answers `apps.connections.open` on `api` (give it `appTokens` so only those may call it). */
  attach(api: FakeSlackApi): this {
    api.on('apps.connections.open', () => ({ ok: true, url: this.issueUrl() }));
    return this;
  }

  /** A fresh one-use WebSocket URL, as apps.connections.open returns. */
  issueUrl(): string {
    const ticket = randomBytes(12).toString('hex');
    this.tickets.add(ticket);
    const url = `ws://127.0.0.1:${this.port}/link/?ticket=${ticket}&app_id=${this.appId}`;
    this.urlsIssued.push(url);
    return url;
  }

  /** Whether `hello` goes out when a connection opens (false: the test calls `sayHello`). */
  holdHello(hold: boolean): void {
    this.sayHelloOnOpen = !hold;
  }

  /** The newest connection still open. */
  get active(): FakeSocketConnection | undefined {
    return this.connections.filter((c) => c.open).at(-1);
  }

  /** Sends `hello` on the newest open connection. */
  sayHello(): void {
    this.requireActive().send(this.helloMessage());
  }

  /** Sends Slack's `disconnect` (default `refresh_requested`) on the newest open connection. */
  disconnect(reason = 'refresh_requested'): void {
    this.requireActive().send({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } });
  }

  /** Sends text as it is on the newest open connection (malformed messages). */
  sendRaw(text: string): void {
    this.requireActive().send(text);
  }

  /**
   * Delivers an envelope on the newest open connection and resolves with the app's ack.
   * `retryAttempt` > 0 is Slack's redelivery of an envelope that was not acked in time.
   */
  async deliver(
    type: string,
    payload: unknown,
    options: { envelopeId?: string; retryAttempt?: number; retryReason?: string; timeoutMs?: number } = {},
  ): Promise<SocketAck> {
    const envelopeId = options.envelopeId ?? randomUUID();
    const connection = this.requireActive();
    // A redelivery reuses the id: wait for an ack after the ones already recorded.
    const seen = this.acks.filter((a) => a.envelopeId === envelopeId).length;
    const acked = this.waitFor(
      () => this.acks.filter((a) => a.envelopeId === envelopeId)[seen],
      options.timeoutMs ?? 5000,
      `an ack of envelope ${envelopeId}`,
    );
    connection.send({
      envelope_id: envelopeId,
      payload: payload as Record<string, unknown>,
      type,
      accepts_response_payload: type !== 'events_api',
      retry_attempt: options.retryAttempt ?? 0,
      retry_reason: options.retryReason ?? '',
    });
    return acked;
  }

  /** Resolves with the ack of `envelopeId` (the newest, when acked more than once). */
  waitForAck(envelopeId: string, timeoutMs = 5000): Promise<SocketAck> {
    return this.waitFor(
      () => this.acks.filter((a) => a.envelopeId === envelopeId).at(-1),
      timeoutMs,
      `an ack of envelope ${envelopeId}`,
    );
  }

  /** Resolves once `count` connections have opened (the last of them). */
  waitForConnections(count: number, timeoutMs = 5000): Promise<FakeSocketConnection> {
    return this.waitFor(() => this.connections[count - 1], timeoutMs, `connection #${count}`);
  }

  /** Resolves once `predicate` holds, checked on every change. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs: number, what = 'a condition'): Promise<T> {
    return waitUntil(
      this.waiters,
      predicate,
      timeoutMs,
      () => new Error(`FakeSocketModeServer: no ${what} within ${timeoutMs} ms`),
    );
  }

  private requireActive(): FakeSocketConnection {
    const c = this.active;
    if (!c) throw new Error('FakeSocketModeServer: no open connection');
    return c;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private helloMessage(): Record<string, unknown> {
    return {
      type: 'hello',
      num_connections: this.connections.filter((c) => c.open).length,
      debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18_060 },
      connection_info: { app_id: this.appId },
    };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ticket = url.searchParams.get('ticket') ?? '';
    const key = req.headers['sec-websocket-key'];
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket) || typeof key !== 'string') {
      this.refusedUpgrades += 1;
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const connection = new FakeSocketConnection(
      this.connections.length + 1,
      socket,
      (conn, text) => this.onText(conn, text),
      head,
    );
    socket.on('close', () => this.notify());
    this.connections.push(connection);
    if (this.sayHelloOnOpen) connection.send(this.helloMessage());
    this.notify();
  }

  private onText(conn: FakeSocketConnection, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = text;
    }
    conn.received.push(message);
    const m = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof m?.envelope_id === 'string') {
      this.acks.push({
        envelopeId: m.envelope_id,
        payload: (m.payload as Record<string, unknown> | undefined) ?? undefined,
        connection: conn.id,
      });
    }
    this.notify();
  }
}

/**
 * SlackSender's payloads (slash commands, block actions, view submissions, suggestions, events)
 * delivered as Socket Mode envelopes instead of signed HTTP requests: a form body becomes a
 * `slash_commands` envelope, `payload=` an `interactive` one, JSON an `events_api` one;
 * `retryNum` becomes `retry_attempt`. The response is the ack's payload, as an HTTP receiver
 * would have answered it (status 200, the ack's JSON, or an empty body for an empty ack).
 */
export class SocketModeSender extends SlackSender {
  constructor(
    private readonly server: FakeSocketModeServer,
    options: Omit<SlackSenderOptions, 'url' | 'signingSecret'> = {},
  ) {
    super({ ...options, url: 'socket-mode', signingSecret: 'unused-in-socket-mode' });
  }

  override async send(body: string, contentType: string, opts: SendOptions = {}): Promise<SenderResponse> {
    let type: string;
    let payload: unknown;
    if (contentType.startsWith('application/json')) {
      type = 'events_api';
      payload = JSON.parse(body);
    } else {
      const form = new URLSearchParams(body);
      const interactive = form.get('payload');
      type = interactive === null ? 'slash_commands' : 'interactive';
      payload = interactive === null ? Object.fromEntries(form) : JSON.parse(interactive);
    }
    const started = performance.now();
    const ack = await this.server.deliver(type, payload, {
      ...(opts.envelopeId ? { envelopeId: opts.envelopeId } : {}),
      ...(opts.retryNum !== undefined
        ? { retryAttempt: opts.retryNum, retryReason: opts.retryReason ?? 'timeout' }
        : {}),
    });
    const answer = ack.payload && Object.keys(ack.payload).length > 0 ? ack.payload : undefined;
    return {
      status: 200,
      text: answer ? JSON.stringify(answer) : '',
      json: answer,
      elapsedMs: performance.now() - started,
    };
  }
}
