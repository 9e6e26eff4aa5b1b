/**
 * The shared machinery of the mock providers: a loopback HTTP server that
 * records every request (path, headers, parsed body), and writes responses
 * with the failure modes the gateway must survive: error statuses, a slow
 * first byte, redirects, SSE frames cut into small pieces across TCP writes
 * (inside UTF-8 sequences and CRLF pairs too), a disconnect mid-stream, and
 * an endless stream for backpressure. Used by mock-openai.ts and
 * mock-anthropic.ts, which supply each provider's wire format.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the mock received. */
export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

/** How the mock answers; tests change it between calls. */
export interface Behaviour {
  /** Answer the next `failTimes` requests with `failStatus` (then behave normally). */
  failTimes: number;
  failStatus: number;
  /** retry-after header sent with failures (seconds). */
  retryAfter: string | undefined;
  /** Wait this long before the response head. */
  firstByteDelayMs: number;
  /** Answer with 307 to this URL. */
  redirectTo: string | undefined;
  /** Cut the connection after this many stream frames. */
  disconnectAfterFrames: number | undefined;
  /** Write streams in pieces of this many bytes, pausing between them (0: whole frames). */
  splitBytes: number;
  /** Use CRLF line ends in SSE. */
  crlf: boolean;
  /** Wait between stream frames. */
  frameDelayMs: number;
  /** Stream this many bytes of content as fast as the client takes them (backpressure tests). */
  floodBytes: number;
  /** Answer `echoStatus` with a message quoting the credential received (as some providers do). */
  echoCredential: boolean;
  echoStatus: number;
  /** Text of answers. */
  content: string;
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  failTimes: 0,
  failStatus: 500,
  retryAfter: undefined,
  firstByteDelayMs: 0,
  redirectTo: undefined,
  disconnectAfterFrames: undefined,
  splitBytes: 0,
  crlf: false,
  frameDelayMs: 0,
  floodBytes: 0,
  echoCredential: false,
  echoStatus: 401,
  content: "Héllo from the mock ✓",
};

/** What a provider module supplies. */
export interface WireFormat {
  /** The credential the request carried (to echo, when asked to). */
  credential(headers: IncomingHttpHeaders): string;
  /** A provider-format error body. */
  error(status: number, message: string): unknown;
  /** Non-streaming answer for `path`, or undefined for 404. */
  answer(path: string, body: any, b: Behaviour): unknown;
  /** The stream frames (full SSE text of each) for a streaming request. */
  frames(body: any, b: Behaviour): string[];
  /** One frame of `n` bytes of filler content, for floods. */
  floodFrame(n: number): string;
}

/** A running mock provider. */
export interface MockUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: Recorded[];
  /** Requests whose connection closed before the response finished (client aborts reaching upstream). */
  readonly aborted: number;
  /** Bytes written by the current or last flood. */
  readonly floodWritten: number;
  behave(changes: Partial<Behaviour>): void;
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writeStream(res: ServerResponse, frames: string[], b: Behaviour): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": "req_mock_stream", "set-cookie": "upstream=secret", "x-upstream-secret": "should-not-pass" });
  res.flushHeaders();
  for (let i = 0; i < frames.length; i++) {
    if (b.disconnectAfterFrames !== undefined && i >= b.disconnectAfterFrames) {
      res.socket?.destroy();
      return;
    }
    let frame = frames[i]!;
    if (b.crlf) frame = frame.replace(/\n/g, "\r\n");
    if (b.splitBytes > 0) {
      const bytes = Buffer.from(frame);
      for (let at = 0; at < bytes.length; at += b.splitBytes) {
        res.write(bytes.subarray(at, at + b.splitBytes));
        await sleep(1);
      }
    } else res.write(frame);
    if (b.frameDelayMs > 0) await sleep(b.frameDelayMs);
  }
  res.end();
}

async function flood(res: ServerResponse, format: WireFormat, b: Behaviour, counted: (n: number) => void): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const frame = format.floodFrame(16 * 1024);
  let sent = 0;
  while (sent < b.floodBytes && !res.destroyed) {
    const ok = res.write(frame);
    sent += frame.length;
    counted(frame.length);
    if (!ok) {
      await new Promise<void>((r) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          r();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  res.end();
}

/** Starts a mock provider speaking `format` on `host` (default 127.0.0.1; random port). */
export async function startMock(format: WireFormat, host = "127.0.0.1"): Promise<MockUpstream> {
  let b: Behaviour = { ...DEFAULT_BEHAVIOUR };
  const requests: Recorded[] = [];
  let aborted = 0;
  let floodWritten = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: any = undefined;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      body = Buffer.concat(chunks).toString("utf8");
    }
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    res.on("close", () => {
      if (!res.writableFinished) aborted++;
    });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "x-request-id": "req_mock_1", "set-cookie": "upstream=secret", ...headers });
      res.end(JSON.stringify(value));
    };
    if (b.firstByteDelayMs > 0) await sleep(b.firstByteDelayMs);
    if (res.destroyed) return;
    if (b.redirectTo) {
      res.writeHead(307, { location: b.redirectTo });
      return res.end();
    }
    if (b.echoCredential) return json(b.echoStatus, format.error(b.echoStatus, `Incorrect API key provided: ${format.credential(req.headers)}.`), { "x-echo": format.credential(req.headers) });
    if (b.failTimes > 0) {
      b.failTimes -= 1;
      return json(b.failStatus, format.error(b.failStatus, "mock failure"), b.retryAfter !== undefined ? { "retry-after": b.retryAfter } : {});
    }
    const path = (req.url ?? "").split("?")[0]!;
    if (body && typeof body === "object" && body.stream === true) {
      if (b.floodBytes > 0) return flood(res, format, b, (n) => (floodWritten += n));
      return writeStream(res, format.frames(body, b), b);
    }
    const answer = format.answer(path, body, b);
    if (answer === undefined) return json(404, format.error(404, "no such path"));
    json(200, answer);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    get aborted() {
      return aborted;
    },
    get floodWritten() {
      return floodWritten;
    },
    behave: (changes) => {
      b = { ...b, ...changes };
    },
    reset: () => {
      b = { ...DEFAULT_BEHAVIOUR };
      requests.length = 0;
      aborted = 0;
      floodWritten = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
