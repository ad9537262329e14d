/**
 * The errors a caller is allowed to see. Each carries the stable `extensions.code` the GraphQL
 * layer reports; anything that is not an AppError is masked as INTERNAL_SERVER_ERROR.
 * No GraphQL import here: the domain throws these, the server layer translates them.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'INTERNAL_SERVER_ERROR';

export type IssuePath = ReadonlyArray<string | number>;

export interface InputIssue {
  path: IssuePath;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  /** set only where the whole HTTP response should carry a status other than 200 */
  readonly httpStatus: number | undefined = undefined;
}

export class ValidationError extends AppError {
  readonly code = 'BAD_USER_INPUT';
  constructor(readonly issues: InputIssue[]) {
    super(
      issues.length === 1 && issues[0]
        ? describeIssue(issues[0])
        : `Invalid input at ${issues.map((issue) => issue.path.join('.') || '(root)').join(', ')}`,
    );
  }

  static at(path: IssuePath, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED';
  override readonly httpStatus = 401;
}

export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN';
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends AppError {
  readonly code = 'CONFLICT';
}

export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED';
  override readonly httpStatus = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests: retry in ${retryAfterSeconds} s`);
  }
}

/** The database cannot be reached (or is not migrated yet); the request may be retried. */
export class ServiceUnavailableError extends AppError {
  readonly code = 'SERVICE_UNAVAILABLE';
  override readonly httpStatus = 503;
}

/** A statement ran past the database statement timeout and was cancelled. */
export class TimeoutError extends AppError {
  readonly code = 'TIMEOUT';
  override readonly httpStatus = 503;
}

function describeIssue(issue: InputIssue): string {
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}
