import http from 'node:http';

/**
 * A health probe: `HEAD /` with the instance's own host (Django refuses, and logs as an error, a
 * Host outside ALLOWED_HOSTS). An answer of any status means alive and not stuck; null, none.
 */
export const PROBE_METHOD = 'HEAD';

export function answers(port: number, host: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.request({ method: PROBE_METHOD, host: '127.0.0.1', port, path: '/', headers: { host }, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** The access-log lines of those probes (the stand-in's format and gunicorn's), left out of log tails. */
export const PROBE_LINE = new RegExp(`(\\] ${PROBE_METHOD} / \\d{3} |"${PROBE_METHOD} / HTTP/1\\.[01]")`);
