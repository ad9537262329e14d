import { ForbiddenError, ValidationError } from '../errors.ts';
import type { Principal, Tenant } from './principal.ts';

export const PROJECT_HEADER = 'x-project-id';
const PROJECT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

/** The project a request works in: the X-Project-ID header, or the token's only project. */
export function resolveTenant(principal: Principal, projectHeader: string | null): Tenant {
  const requested = projectHeader?.trim();
  if (requested) {
    if (!PROJECT_ID_PATTERN.test(requested)) {
      throw ValidationError.at(['X-Project-ID'], 'is not a valid project id');
    }
    if (!principal.projects.includes('*') && !principal.projects.includes(requested)) {
      throw new ForbiddenError(`The token does not grant access to project "${requested}"`);
    }
    return { organizationId: principal.organizationId, projectId: requested };
  }
  const [only, ...others] = principal.projects;
  if (only && only !== '*' && others.length === 0) {
    return { organizationId: principal.organizationId, projectId: only };
  }
  throw ValidationError.at(['X-Project-ID'], 'the X-Project-ID header is required: the token grants more than one project');
}
