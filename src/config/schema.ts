import { Type, type Static } from "@sinclair/typebox";

// The TOML file's shape. Every key has a default, so an empty file (or none) is a valid configuration;
// `scimd.example.toml` documents the same keys and a test keeps the two in step.

// A duration key may also bound its value: `minDuration` / `maxDuration` (durations themselves), checked by
// the loader after the pattern, e.g. { ...Duration, minDuration: "1s", maxDuration: "255s" }.
// A patterned key carries a `hint`: what to write, for the error message (TypeBox's own names the regular
// expression). A `secret` key's value is never repeated in an error (it would reach the journal).
const Duration = Type.String({ pattern: "^\\d+(ms|s|m|h|d)$", hint: "use a duration such as 500ms, 10s, 5m, 1h or 90d" });

export const ServerSection = Type.Object(
  {
    host: Type.String({ default: "0.0.0.0", minLength: 1 }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
    // A query or a fragment would end up inside every Location (".../scim?x=1/Users/…"): refused.
    public_url: Type.String({ default: "", pattern: "^(https?://[^/?#\\s]+(/[^?#\\s]*)?)?$", hint: "use an http:// or https:// URL without a query or fragment, such as https://scim.example.com/scim, or leave it empty" }),
    trust_proxy: Type.Boolean({ default: false }),
    shutdown_timeout: Type.String({ ...Duration, default: "10s" }),
    /** `[server.tls]`: PEM files; both empty = plain HTTP. Re-read on SIGHUP. */
    tls: Type.Object(
      {
        cert: Type.String({ default: "" }),
        key: Type.String({ default: "" }),
      },
      { additionalProperties: false, default: { cert: "", key: "" } },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const StorageSection = Type.Object(
  {
    path: Type.String({ default: "./data/scimd.db", minLength: 1 }),
  },
  { additionalProperties: false, default: {} },
);

export const ProvisioningSection = Type.Object(
  {
    username_changes: Type.Union([Type.Literal("ignore"), Type.Literal("reject"), Type.Literal("allow")], {
      default: "ignore",
    }),
    unknown_reference: Type.Union([Type.Literal("ignore"), Type.Literal("reject")], { default: "ignore" }),
    delete: Type.Union([Type.Literal("deactivate"), Type.Literal("delete")], { default: "deactivate" }),
    // A group's displayName over SCIM may not hold control characters; nor may this one.
    default_group: Type.String({ default: "", pattern: "^[^\\x00-\\x1f\\x7f-\\x9f]*$", hint: "use a group name without control characters (line breaks, tabs)" }),
  },
  { additionalProperties: false, default: {} },
);

export const DirectorySection = Type.Object(
  {
    departments: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    companies: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    sites: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  },
  { additionalProperties: false, default: {} },
);

export const LimitsSection = Type.Object(
  {
    max_page_size: Type.Integer({ default: 1000, minimum: 1, maximum: 100000 }),
    max_body_bytes: Type.Integer({ default: 1048576, minimum: 1024 }),
    max_json_depth: Type.Integer({ default: 32, minimum: 4, maximum: 1000 }),
    max_filter_length: Type.Integer({ default: 4096, minimum: 16 }),
    max_patch_operations: Type.Integer({ default: 1000, minimum: 1 }),
    max_filter_depth: Type.Integer({ default: 50, minimum: 1, maximum: 200 }),
    // Bun's idleTimeout is whole seconds, at most 255; 0 would disable it (no slow-client timeout at all).
    idle_timeout: Type.String({ ...Duration, default: "30s", minDuration: "1s", maxDuration: "255s" }),
    auth_failures_before_delay: Type.Integer({ default: 10, minimum: 1 }),
    auth_failures_before_block: Type.Integer({ default: 30, minimum: 1 }),
    auth_failure_window: Type.String({ ...Duration, default: "5m" }),
    token_requests_per_second: Type.Integer({ default: 0, minimum: 0 }),
  },
  { additionalProperties: false, default: {} },
);

export const LoggingSection = Type.Object(
  {
    level: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], {
      default: "info",
    }),
    format: Type.Union([Type.Literal("json"), Type.Literal("pretty")], { default: "json" }),
    client_address: Type.Union([Type.Literal("failures"), Type.Literal("always")], { default: "failures" }),
  },
  { additionalProperties: false, default: {} },
);

export const AuditSection = Type.Object(
  {
    // At most a century: a larger value put the pruning cut-off before year 0 and failed every hour.
    retain_days: Type.Integer({ default: 90, minimum: 1, maximum: 36500 }),
  },
  { additionalProperties: false, default: {} },
);

export const WebhookEntry = Type.Object(
  {
    /** Names the endpoint in `scimd webhooks status`; its delivery position is kept under this name. */
    name: Type.String({ default: "", pattern: "^[A-Za-z0-9._-]*$", hint: "use letters, digits, '.', '_' and '-'" }),
    url: Type.String({ pattern: "^https?://.+", hint: "use an http:// or https:// URL", url: true }),
    /** Standard Webhooks secret: "whsec_" and base64 (at least 24 random bytes). */
    secret: Type.String({
      pattern: "^whsec_[A-Za-z0-9+/=]{32,}$",
      secret: true,
      hint: 'use "whsec_" followed by standard base64 of at least 24 random bytes (echo "whsec_$(openssl rand -base64 32)")',
    }),
    // Each pattern must match a type scimd records: checked by the loader ("user.create" would receive nothing).
    events: Type.Array(Type.String({ pattern: "^[a-z_]+(\\.[a-z_]+|\\.\\*)?$|^\\*$", hint: 'use an event type such as "user.created", a prefix such as "user.*", or "*"' }), {
      default: ["*"],
      minItems: 1,
    }),
    // Bounded below: "0s" retried a dead receiver in a loop (a thousand attempts and log lines in 3 s).
    retry_base: Type.String({ ...Duration, default: "5s", minDuration: "100ms" }),
    retry_max: Type.String({ ...Duration, default: "1h", minDuration: "100ms" }),
    max_age: Type.String({ ...Duration, default: "24h", minDuration: "1s" }),
    timeout: Type.String({ ...Duration, default: "10s", minDuration: "100ms", maxDuration: "10m" }),
  },
  { additionalProperties: false },
);

export const MetricsSection = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    /** A bearer token for GET /metrics, separate from the SCIM tokens; empty = no authentication. */
    token: Type.String({ default: "" }),
    /** "host:port" for a second listener that serves only /metrics; empty = /metrics on the main port. */
    listen: Type.String({ default: "", pattern: "^(.+:\\d{1,5})?$", hint: 'use "host:port", such as 127.0.0.1:9090, or leave it empty' }),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    server: ServerSection,
    storage: StorageSection,
    provisioning: ProvisioningSection,
    directory: DirectorySection,
    limits: LimitsSection,
    logging: LoggingSection,
    metrics: MetricsSection,
    audit: AuditSection,
    webhooks: Type.Array(WebhookEntry, { default: [] }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type WebhookConfig = Static<typeof WebhookEntry>;
