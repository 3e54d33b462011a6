import { ERROR_SCHEMA } from "./schema/urns.ts";

// RFC 7644 §3.12, Table 9.
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** A failure that is rendered to the client as an RFC 7644 §3.12 error body; never a stack trace. */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;

  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail);
    this.name = "ScimError";
    this.status = status;
    this.scimType = scimType;
  }

  get detail(): string {
    return this.message;
  }

  toBody(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(this.status), detail: this.message };
    if (this.scimType) body.scimType = this.scimType;
    return body;
  }
}

export class InvalidFilterError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "invalidFilter");
  }
}
export class TooManyError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "tooMany");
  }
}
export class UniquenessError extends ScimError {
  constructor(detail: string) {
    super(409, detail, "uniqueness");
  }
}
export class MutabilityError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "mutability");
  }
}
export class InvalidSyntaxError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "invalidSyntax");
  }
}
export class InvalidPathError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "invalidPath");
  }
}
export class NoTargetError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "noTarget");
  }
}
export class InvalidValueError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "invalidValue");
  }
}
export class InvalidVersError extends ScimError {
  constructor(detail: string) {
    super(400, detail, "invalidVers");
  }
}
export class SensitiveError extends ScimError {
  constructor(detail: string) {
    super(403, detail, "sensitive");
  }
}

// Plain HTTP statuses without a scimType.
export class UnauthorizedError extends ScimError {
  constructor(detail: string) {
    super(401, detail);
  }
}
export class ForbiddenError extends ScimError {
  constructor(detail: string) {
    super(403, detail);
  }
}
export class NotFoundError extends ScimError {
  constructor(detail: string) {
    super(404, detail);
  }
}
export class MethodNotAllowedError extends ScimError {
  /** The methods the resource supports, for the Allow header (RFC 9110 §15.5.6). */
  readonly allow: string;
  constructor(detail: string, allow = "") {
    super(405, detail);
    this.allow = allow;
  }
}
export class ConflictError extends ScimError {
  constructor(detail: string) {
    super(409, detail);
  }
}
export class PreconditionFailedError extends ScimError {
  constructor(detail: string) {
    super(412, detail);
  }
}
export class PayloadTooLargeError extends ScimError {
  constructor(detail: string) {
    super(413, detail);
  }
}
export class UnsupportedMediaTypeError extends ScimError {
  constructor(detail: string) {
    super(415, detail);
  }
}
export class TooManyRequestsError extends ScimError {
  constructor(detail: string) {
    super(429, detail);
  }
}
export class InternalError extends ScimError {
  constructor(detail = "The server hit an unexpected error; the request was not applied, retry it later.") {
    super(500, detail);
  }
}
export class NotImplementedError extends ScimError {
  constructor(detail: string) {
    super(501, detail);
  }
}

export class ServiceUnavailableError extends ScimError {
  /** Sent as Retry-After when set. */
  readonly retryAfterSeconds?: number;
  constructor(detail: string, opts: { retryAfterSeconds?: number } = {}) {
    super(503, detail);
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function isScimError(e: unknown): e is ScimError {
  return e instanceof ScimError;
}
