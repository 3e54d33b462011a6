import { MethodNotAllowedError } from "../../core/errors.ts";

/** A handler for the methods a route does not serve: 405 with `Allow` listing those it does. */
export const notAllowed = (allowed: string) => () => {
  throw new MethodNotAllowedError(`This method is not allowed here; use ${allowed}.`, allowed);
};
