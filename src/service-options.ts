import type { Config } from "./config/schema.ts";
import type { ServiceOptions } from "./core/service.ts";

/** The use cases' options, read from the configuration file. */
export function serviceOptions(config: Config): ServiceOptions {
  return {
    usernameChanges: config.provisioning.username_changes,
    unknownReference: config.provisioning.unknown_reference,
    deleteMode: config.provisioning.delete,
    defaultGroup: config.provisioning.default_group,
    references: config.directory,
    maxPageSize: config.limits.max_page_size,
    maxPatchOperations: config.limits.max_patch_operations,
    maxFilterLength: config.limits.max_filter_length,
    maxFilterDepth: config.limits.max_filter_depth,
  };
}
