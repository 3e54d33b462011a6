import { Elysia } from "elysia";

/** Outside the SCIM base path and without authentication, for load balancers and orchestrators. */
export function healthRoutes(ready: () => boolean, stopping: () => boolean = () => false) {
  const json = (body: unknown, status: number) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8" } });
  return new Elysia({ name: "scimd/routes/health" })
    .get("/healthz", () => json({ status: "ok" }, 200))
    .get("/readyz", () => {
      // A load balancer takes a stopping instance out of rotation during its drain window, before it closes.
      if (stopping()) return json({ status: "not ready", reason: "shutting down" }, 503);
      return ready() ? json({ status: "ready" }, 200) : json({ status: "not ready", reason: "database closed, migrations missing, or writes stopped after a disk error (see the log)" }, 503);
    });
}
