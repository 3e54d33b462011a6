import { Elysia } from "elysia";

const VALID = /^[A-Za-z0-9._:\-]{1,128}$/;

/** The request id: the client's X-Request-Id when it is sane, else a new UUID; returned on every response. */
const ids = new WeakMap<Request, string>();
export const requestIdOf = (request: Request): string | undefined => ids.get(request);

export const requestId = () =>
  new Elysia({ name: "scimd/request-id" }).onRequest(({ request, set }) => {
    const incoming = request.headers.get("x-request-id");
    const id = incoming && VALID.test(incoming) ? incoming : crypto.randomUUID();
    ids.set(request, id);
    set.headers["x-request-id"] = id;
  });
