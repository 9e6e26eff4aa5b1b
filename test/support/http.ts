/**
 * Drives the Hono app in-process (app.request) like a browser would: keeps
 * the session cookie, sends the CSRF header on writes. No mocks: the app,
 * services and database are the real ones.
 */
import { createApp } from "../../src/http/app.js";
import { totpAt } from "../../src/auth/totp.js";
import { base32Decode } from "../../src/auth/totp.js";
import type { Services } from "../../src/services/context.js";

export interface Reply {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

export class Client {
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;
  constructor(
    private readonly app: ReturnType<typeof createApp>,
    private readonly base = "http://127.0.0.1",
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const h: Record<string, string> = { ...this.extraHeaders, ...headers };
    if (body !== undefined) h["content-type"] ??= "application/json";
    if (this.cookie) h["cookie"] = this.cookie;
    if (this.csrf && method !== "GET") h["x-csrf-token"] ??= this.csrf;
    if (this.bearer) h["authorization"] = `Bearer ${this.bearer}`;
    const res = await this.app.request(`${this.base}${path}`, {
      method,
      headers: h,
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) {
      const m = /sealroom_session=([^;]*)/.exec(setCookie);
      this.cookie = m && m[1] ? `sealroom_session=${m[1]}` : undefined;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string) {
    return this.request("GET", path);
  }
  post(path: string, body?: unknown) {
    return this.request("POST", path, body);
  }
  patch(path: string, body?: unknown) {
    return this.request("PATCH", path, body);
  }
  delete(path: string) {
    return this.request("DELETE", path);
  }

  /** Signs in; remembers cookie and CSRF token. */
  async login(email: string, password: string): Promise<Reply> {
    const r = await this.post("/api/auth/login", { email, password });
    if (r.status === 200) this.csrf = r.body.csrfToken;
    return r;
  }

  /** Enrols TOTP for the signed-in user and returns the base32 secret. */
  async enrolTotp(now: () => number): Promise<{ secret: string; recoveryCodes: string[] }> {
    const begin = await this.post("/api/me/mfa/totp/enroll");
    if (begin.status !== 200) throw new Error(`enroll failed: ${begin.status} ${JSON.stringify(begin.body)}`);
    const code = totpAt(base32Decode(begin.body.secret), Math.floor(now() / 1000));
    const confirm = await this.post("/api/me/mfa/totp/confirm", { code });
    if (confirm.status !== 200) throw new Error(`confirm failed: ${confirm.status} ${JSON.stringify(confirm.body)}`);
    return { secret: begin.body.secret, recoveryCodes: confirm.body.recoveryCodes };
  }
}

/** A fresh browser-like client of the app over `s`. */
export function client(s: Services, base?: string, headers?: Record<string, string>): Client {
  return new Client(createApp(s), base, headers);
}
