import autocannon from 'autocannon';

/** One autocannon run: fixed duration and connections, one request shape. */
export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
  /** a fresh body per request (or the same string every time) */
  body: () => string;
  /** whether every request gets the same body (lets autocannon reuse the request bytes) */
  fixedBody: boolean;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** latency percentiles in ms over every response of the run (float precision) */
  p50: number;
  p99: number;
  mean: number;
  /** non-2xx answers, answers with GraphQL errors, connection errors and timeouts */
  non2xx: number;
  errorBodies: number;
  connectionErrors: number;
  timeouts: number;
}

/** A body with GraphQL errors in it; both servers write `{"errors":…}` when something fails. */
const hasErrors = (body: string) => body.includes('"errors":');

/** Runs for `seconds`, or until `amount` requests are answered when that is given (a short warm-up). */
export async function runLoad(
  target: LoadTarget,
  options: { seconds: number; connections: number; amount?: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const request = target.fixedBody
    ? { method: 'POST' as const, headers: target.headers, body: target.body() }
    : {
        method: 'POST' as const,
        headers: target.headers,
        setupRequest: (req: autocannon.Request) => ({ ...req, body: target.body() }),
      };
  const instance = autocannon(
    {
      url: target.url,
      connections: options.connections,
      duration: options.seconds,
      ...(options.amount ? { amount: options.amount } : {}),
      pipelining: 1,
      timeout: 10,
      requests: [request],
      // Not in @types/autocannon, but supported. verifyBody: a failing body counts as a mismatch.
      // sampleInt: autocannon checks whether to stop once per sample interval (1 s by default),
      // which would round every run, warm-ups included, up to whole seconds.
      ...({ verifyBody: (body: string) => !hasErrors(body), sampleInt: 100 } as object),
    },
    () => undefined,
  );
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });

  const sorted = Float64Array.from(latencies).sort();
  const percentile = (p: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0) : NaN);
  const requests = result.requests.total;
  return {
    requests,
    seconds: result.duration,
    requestsPerSecond: requests / result.duration,
    p50: percentile(50),
    p99: percentile(99),
    mean: sorted.length ? sorted.reduce((sum, value) => sum + value, 0) / sorted.length : NaN,
    non2xx: result.non2xx,
    errorBodies: result.mismatches,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
  };
}
