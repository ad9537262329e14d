import { randomBytes } from 'node:crypto';

/** Deriving a model's resource URI from its name, and making it unique within a project. */
const MAX_BASE_LENGTH = 240; // leaves room for a "-<n>" suffix within the 255-character limit
const FALLBACK = 'model';

/** "GPT-4o (Prod)" → "gpt-4o-prod"; accents are folded, anything else becomes a hyphen. */
export function kebabCase(name: string): string {
  const kebab = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_BASE_LENGTH)
    .replace(/-+$/, '');
  return kebab || FALLBACK;
}

const MAX_LENGTH = 255;

/**
 * The first of base, base-2, base-3, … not in `taken`, counting past the highest suffix in use.
 * Suffixes are counted exactly (BigInt); if the next one would not fit in 255 characters, a
 * random suffix is used instead.
 */
export function nextFreeResourceUri(base: string, taken: Iterable<string>, random = randomSuffix): string {
  const suffix = new RegExp(`^${base}(?:-(\\d+))?$`);
  let highest = 0n;
  for (const uri of taken) {
    const match = suffix.exec(uri);
    if (!match) continue;
    const number = match[1] ? BigInt(match[1]) : 1n;
    if (number > highest) highest = number;
  }
  if (highest === 0n) return base;
  const next = `${base}-${highest + 1n}`;
  return next.length <= MAX_LENGTH ? next : `${base}-${random()}`;
}

function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}
