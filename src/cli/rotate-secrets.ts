import { loadConfig } from '../config.ts';
import { createDatabase } from '../db/database.ts';
import { resealCredentials } from '../models/credential-rotation.ts';
import { createKeyring } from '../secrets/keyring.ts';
import { createSecretBox } from '../secrets/secret-box.ts';

/**
 * npm run rotate-secrets: re-encrypts every stored credential with SECRETS_KEY. Run it after
 * moving the previous key into SECRETS_OLD_KEYS; once it reports no failures the old key can go.
 */
const config = await loadConfig(process.env);
const db = createDatabase(config.database);
try {
  const secrets = createSecretBox(createKeyring(config.secrets));
  const report = await resealCredentials(db, secrets);
  console.log(`re-encrypted ${report.resealed} credential set(s) with key ${secrets.currentKeyId}`);
  if (report.failed.length > 0) {
    console.error(
      `${report.failed.length} model(s) could not be decrypted with the configured keys (is a key missing from SECRETS_OLD_KEYS?): ${report.failed.join(', ')}`,
    );
    process.exitCode = 1;
  }
} finally {
  await db.destroy();
}
