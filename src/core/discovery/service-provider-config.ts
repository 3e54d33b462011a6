import { SERVICE_PROVIDER_CONFIG_SCHEMA } from "../schema/urns.ts";
import { trimSlash } from "./trim-slash.ts";

export interface ServiceProviderConfigOptions {
  documentationUri: string;
  maxResults: number;
  maxOperations: number;
  maxPayloadSize: number;
  bulkSupported?: false;
  sortSupported: boolean;
  etagSupported: boolean;
  changePasswordSupported: false;
  /** When given, `meta.location` is `${baseUrl}/ServiceProviderConfig`. */
  baseUrl?: string;
}

/** RFC 7643 §5: what this service provider supports; PATCH and filtering always, bulk and passwords never. */
export function serviceProviderConfig(opts: ServiceProviderConfigOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: opts.documentationUri,
    patch: { supported: true },
    bulk: { supported: opts.bulkSupported ?? false, maxOperations: opts.maxOperations, maxPayloadSize: opts.maxPayloadSize },
    filter: { supported: true, maxResults: opts.maxResults },
    changePassword: { supported: opts.changePasswordSupported },
    sort: { supported: opts.sortSupported },
    etag: { supported: opts.etagSupported },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "Authentication scheme using the OAuth Bearer Token Standard",
        specUri: "https://www.rfc-editor.org/info/rfc6750",
        primary: true,
      },
    ],
  };
  const meta: Record<string, string> = { resourceType: "ServiceProviderConfig" };
  if (opts.baseUrl !== undefined) meta.location = `${trimSlash(opts.baseUrl)}/ServiceProviderConfig`;
  config.meta = meta;
  return config;
}
