// One POST of a webhook body to its receiver, over node:http(s) rather than fetch so that the request connects to the
// address the URL policy checked (the lookup is answered with it; TLS still verifies the certificate for the URL's
// host name), a connect timeout and a total timeout bound it, redirects are never followed (a 3xx is a failure) and at
// most RESPONSE_LIMIT bytes of the answer are read, then dropped.
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { ResolvedTarget } from './url-policy.ts';

/** How much of a receiver's answer is read (and discarded) before the connection is dropped. */
export const RESPONSE_LIMIT = 16 * 1024;

export interface PostOutcome {
  /** 2xx */
  delivered: boolean;
  /** the receiver's HTTP status, null when none came (connection refused, timeout) */
  statusCode: number | null;
  /** why it failed, for the log; null when delivered */
  error: string | null;
}

export interface PostOptions {
  connectTimeoutMs: number;
  timeoutMs: number;
}

export function postWebhook(url: URL, target: ResolvedTarget, headers: Record<string, string>, body: string, opts: PostOptions): Promise<PostOutcome> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    // Node's happy-eyeballs connect asks for every address (all: true); a plain connect asks for one
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const secure = url.protocol === 'https:';
  const payload = Buffer.from(body, 'utf8');
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      clearTimeout(connecting);
      resolve(outcome);
    };
    const request = (secure ? https : http).request({
      method: 'POST',
      host,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, 'content-length': String(payload.length) },
      lookup: pinned,
      agent: false, // one connection per request: nothing pooled can outlive the address check
      ...(secure && isIP(host) === 0 ? { servername: host } : {}),
    });
    let connecting: NodeJS.Timeout | undefined;
    const total = setTimeout(() => {
      request.destroy();
      finish({ delivered: false, statusCode: null, error: `no answer within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      connecting = setTimeout(() => {
        request.destroy();
        finish({ delivered: false, statusCode: null, error: `could not connect within ${opts.connectTimeoutMs} ms` });
      }, opts.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(connecting));
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      finish({ delivered: false, statusCode: null, error: `request failed: ${err.code ?? err.message}` });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const outcome: PostOutcome =
        status >= 200 && status < 300
          ? { delivered: true, statusCode: status, error: null }
          : {
              delivered: false,
              statusCode: status,
              error: status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`,
            };
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > RESPONSE_LIMIT) {
          response.destroy();
          finish(outcome);
        }
      });
      response.on('end', () => finish(outcome));
      response.on('error', () => finish(outcome));
      response.on('close', () => finish(outcome));
    });
    request.end(payload);
  });
}
