import { parseArgs } from 'node:util';
import { signDevToken } from '../auth/dev-token.ts';
import { loadConfig } from '../config.ts';

/** npm run token -- --sub alice --org acme --projects demo,staging [--hours 24] */
const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'alice' },
    org: { type: 'string', default: 'acme' },
    projects: { type: 'string', default: 'demo' },
    hours: { type: 'string', default: '24' },
  },
});

const config = await loadConfig(process.env);
if (!config.auth.jwtSecret) {
  console.error('AUTH_JWT_SECRET is not set: tokens come from your identity provider (AUTH_JWKS_URL).');
  process.exit(1);
}
const hours = Number(values.hours);
if (!Number.isFinite(hours) || hours <= 0) {
  console.error('--hours must be a positive number');
  process.exit(1);
}
const token = await signDevToken(config.auth.jwtSecret, {
  sub: values.sub,
  org: values.org,
  projects: values.projects.split(',').map((project) => project.trim()).filter(Boolean),
  expiresIn: Math.round(hours * 3600),
  issuer: config.auth.issuer,
  audience: config.auth.audience,
});
console.log(token);
