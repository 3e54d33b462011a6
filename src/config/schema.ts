import { Type, type Static } from "@sinclair/typebox";

// The TOML file's shape. Every key has a default, so an empty file (or none) is a valid configuration;
// `scimd.example.toml` documents the same keys and a test keeps the two in step.

const Duration = Type.String({ pattern: "^\\d+(ms|s|m|h|d)$", description: "A duration such as 500ms, 10s, 5m, 1h or 90d." });

export const ServerSection = Type.Object(
  {
    host: Type.String({ default: "0.0.0.0", minLength: 1 }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
    public_url: Type.String({ default: "", pattern: "^(https?://.+)?$" }),
    trust_proxy: Type.Boolean({ default: false }),
    shutdown_timeout: Type.String({ ...Duration, default: "10s" }),
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
    default_group: Type.String({ default: "" }),
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
  },
  { additionalProperties: false, default: {} },
);

export const LoggingSection = Type.Object(
  {
    level: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], {
      default: "info",
    }),
    format: Type.Union([Type.Literal("json"), Type.Literal("pretty")], { default: "json" }),
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
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
