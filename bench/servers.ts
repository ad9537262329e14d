import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * A server process of the bench, spawned by node itself so that the pid we watch is the server:
 * the gateway compiled, as `npm run start:prod` runs it; the baseline as `node --import tsx
 * <entry>` (what `tsx <entry>` does minus tsx's wrapper process).
 */
export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  /** the last lines it wrote, for error messages */
  output: string[];
  stop(): Promise<void>;
}

/** Environment variables that must not leak from the bench's environment into a server's. */
const FOREIGN = /^(AUTH_|SECRETS_|DATABASE_|GRAPHQL_|RATE_LIMIT_|REDIS_URL$|DATA_DIR$|PORT$|HOST$|NODE_ENV$|LOG_LEVEL$|MAX_BODY_BYTES$|SHUTDOWN_TIMEOUT_MS$|NODE_OPTIONS$|CORS_ORIGINS$|METRICS_TOKEN$)/;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export async function startServer(options: {
  name: string;
  entry: string;
  env: Record<string, string>;
  port: number;
  /** path answering 200 once the server is ready */
  readyPath: string;
  /** the URL the load goes to, relative to the server's origin */
  basePath: string;
  /** extra node flags, e.g. --cpu-prof */
  nodeFlags?: string[];
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !FOREIGN.test(key)) env[key] = value;
  Object.assign(env, options.env, { PORT: String(options.port), HOST: '127.0.0.1' });

  const loader = options.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...loader, options.entry], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const origin = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${options.name} exited while starting:\n${output.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} was not ready in time:\n${output.join('\n')}`);
    }
    try {
      const response = await fetch(`${origin}${options.readyPath}`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    name: options.name,
    pid: child.pid as number,
    url: `${origin}${options.basePath}`,
    output,
    stop: () => stopProcess(child, exit, () => exited),
  };
}

async function stopProcess(child: ChildProcess, exit: Promise<void>, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exit;
  clearTimeout(timer);
}

/** VmRSS and VmHWM (peak) of a process, in bytes; null once it is gone or off Linux. */
export function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

let clockTicks: number | undefined;

/** CPU time (user + system) a process has used so far, in ms; null once it is gone or off Linux. */
export function cpuTimeOf(pid: number): number | null {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which is in parentheses and may contain spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks : null;
  } catch {
    return null;
  }
}

/** Samples the RSS of some processes every few hundred ms and keeps the peaks per label. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private label: string | undefined;
  readonly peaks = new Map<string, number>();

  constructor(private readonly processes: ServerProcess[], private readonly intervalMs = 250) {}

  /** Peaks are recorded under "<server>:<label>" and "<server>" while a label is set. */
  measure(label: string | undefined): void {
    this.label = label;
    if (label && !this.timer) {
      this.timer = setInterval(() => this.sample(), this.intervalMs);
      this.timer.unref();
    }
    if (!label && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    if (label) this.sample();
  }

  private sample(): void {
    if (!this.label) return;
    for (const server of this.processes) {
      const memory = memoryOf(server.pid);
      if (!memory) continue;
      for (const key of [`${server.name}:${this.label}`, server.name]) {
        this.peaks.set(key, Math.max(this.peaks.get(key) ?? 0, memory.rss));
      }
    }
  }

  stop(): void {
    this.measure(undefined);
  }
}

/** The node flags and entry of package.json's `start:prod` script (`node [flags] <entry>`). */
export function productionCommand(): { nodeFlags: string[]; entry: string } {
  const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts['start:prod'] ?? '').split(/\s+/).filter(Boolean);
  const entry = words.at(-1);
  if (words[0] !== 'node' || !entry?.endsWith('.js')) throw new Error(`start:prod is not "node [flags] <file>.js": ${scripts['start:prod']}`);
  return { nodeFlags: words.slice(1, -1), entry };
}
