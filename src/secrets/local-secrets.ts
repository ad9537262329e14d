import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Development convenience: the secrets a fresh clone needs, generated once into the data
 * directory (mode 0600) so that `npm start` works with no set-up and restarts keep them.
 */
export interface LocalSecrets {
  AUTH_JWT_SECRET: string;
  SECRETS_KEY: string;
}

export async function loadOrCreateLocalSecrets(
  dataDir: string,
): Promise<{ secrets: LocalSecrets; created: string[]; file: string }> {
  const file = path.join(dataDir, 'secrets.json');
  const existing = await readExisting(file);
  const created: string[] = [];
  const secrets: LocalSecrets = {
    AUTH_JWT_SECRET: existing.AUTH_JWT_SECRET ?? generate('AUTH_JWT_SECRET', created),
    SECRETS_KEY: existing.SECRETS_KEY ?? generate('SECRETS_KEY', created),
  };
  if (created.length > 0) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return { secrets, created, file };
}

function generate(name: string, created: string[]): string {
  created.push(name);
  return randomBytes(32).toString(name === 'SECRETS_KEY' ? 'base64' : 'base64url');
}

async function readExisting(file: string): Promise<Partial<LocalSecrets>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSecrets>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
