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

/** The first of base, base-2, base-3, … not in `taken`, counting past the highest suffix in use. */
export function nextFreeResourceUri(base: string, taken: Iterable<string>): string {
  const suffix = new RegExp(`^${base}(?:-(\\d+))?$`);
  let highest = 0;
  for (const uri of taken) {
    const match = suffix.exec(uri);
    if (match) highest = Math.max(highest, match[1] ? Number(match[1]) : 1);
  }
  return highest === 0 ? base : `${base}-${highest + 1}`;
}
