import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type pg from 'pg';
import { REPO_ROOT } from './servers.ts';

/** What the results JSON records about the machine, PostgreSQL and the checkout. */
export async function machineInfo(client: pg.Client): Promise<Record<string, unknown>> {
  const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
    `select name, setting, unit from pg_settings where name in
     ('shared_buffers', 'work_mem', 'effective_cache_size', 'synchronous_commit', 'fsync', 'max_connections', 'jit', 'random_page_cost')`,
  );
  const version = await client.query<{ version: string }>('select version()');
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: version.rows[0]?.version ?? null,
    postgresSettings: Object.fromEntries(settings.rows.map((row) => [row.name, `${row.setting}${row.unit ? ` ${row.unit}` : ''}`])),
    commit,
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
