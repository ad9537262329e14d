import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { signDevToken } from '../src/auth/dev-token.ts';
import { HOT_TENANT, WRITER_SUB } from './seed.ts';
import { REPO_ROOT } from './servers.ts';

/** How the bench tools build, configure and call the gateway, as production runs it. */

/** `npm run build`: tsc into dist/, which `start:prod` runs. */
export function buildGateway(): void {
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
}

/**
 * The gateway's environment on top of what every bench server gets: its token secret, no rate
 * limit, and request logs off (a JSON line per request would measure the terminal).
 */
export function gatewayEnv(serverEnv: Record<string, string>, jwtSecret: string): Record<string, string> {
  return { ...serverEnv, AUTH_JWT_SECRET: jwtSecret, RATE_LIMIT_PER_SECOND: '0', LOG_LEVEL: 'warn' };
}

/** Headers of a request to the gateway as the bench's writer, in the hot project. */
export async function gatewayHeaders(jwtSecret: string): Promise<Record<string, string>> {
  const token = await signDevToken(jwtSecret, {
    sub: WRITER_SUB,
    org: HOT_TENANT.organizationId,
    projects: [HOT_TENANT.projectId],
    expiresIn: 24 * 3600,
  });
  return { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-project-id': HOT_TENANT.projectId };
}
