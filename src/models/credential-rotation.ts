import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { credentialsContext } from './model.service.ts';
import { findCredentialsNotSealedWith, replaceSealedCredentials } from './model.repository.ts';

export interface RotationReport {
  resealed: number;
  /** ids of rows whose key is not in the keyring (or whose ciphertext does not authenticate) */
  failed: string[];
}

/** Re-seals every model's credentials that are not yet under the current key, in batches. */
export async function resealCredentials(
  db: Kysely<Database>,
  secrets: SecretBox,
  batchSize = 500,
): Promise<RotationReport> {
  const report: RotationReport = { resealed: 0, failed: [] };
  let afterId: string | null = null;
  for (;;) {
    const rows = await findCredentialsNotSealedWith(db, secrets.currentKeyId, afterId, batchSize);
    for (const row of rows) {
      const context = credentialsContext({ organizationId: row.organization_id, projectId: row.project_id }, row.id);
      let plaintext: string;
      try {
        plaintext = secrets.open(
          { keyId: row.credentials_key_id, nonce: row.credentials_nonce, ciphertext: row.credentials_ciphertext },
          context,
        );
      } catch {
        report.failed.push(row.id);
        continue;
      }
      if (await replaceSealedCredentials(db, row.id, row.credentials_key_id, secrets.seal(plaintext, context))) {
        report.resealed++;
      }
    }
    if (rows.length < batchSize) return report;
    afterId = rows[rows.length - 1]?.id ?? null;
  }
}
