import { describe, expect, test } from "bun:test";
import { resourceTypes } from "../../src/core/discovery/resource-types.ts";
import { schemaResources } from "../../src/core/discovery/schema-resources.ts";
import { serviceProviderConfig } from "../../src/core/discovery/service-provider-config.ts";
import { COMMON_ATTRIBUTES } from "../../src/core/schema/common.ts";
import { ALL_SCHEMAS, RESOURCE_SCHEMAS } from "../../src/core/schema/registry.ts";
import type { AttributeDef } from "../../src/core/schema/types.ts";
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SCIMD_USER_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  USER_SCHEMA,
} from "../../src/core/schema/urns.ts";

const BASE = "https://scim.example.com/scim/v2";
const CORE = new Set<string>([USER_SCHEMA, GROUP_SCHEMA]);

const CONFIG = {
  documentationUri: "https://scimd.example.com/docs",
  maxResults: 200,
  maxOperations: 0,
  maxPayloadSize: 1_048_576,
  sortSupported: true,
  etagSupported: true,
  changePasswordSupported: false,
} as const;

describe("serviceProviderConfig (RFC 7643 §5)", () => {
  const doc = serviceProviderConfig(CONFIG);

  test.each([
    ["schemas", [SERVICE_PROVIDER_CONFIG_SCHEMA]],
    ["documentationUri", CONFIG.documentationUri],
    ["patch", { supported: true }],
    ["bulk", { supported: false, maxOperations: 0, maxPayloadSize: 1_048_576 }],
    ["filter", { supported: true, maxResults: 200 }],
    ["changePassword", { supported: false }],
    ["sort", { supported: true }],
    ["etag", { supported: true }],
    [
      "authenticationSchemes",
      [
        {
          type: "oauthbearertoken",
          name: "OAuth Bearer Token",
          description: "Authentication scheme using the OAuth Bearer Token Standard",
          specUri: "https://www.rfc-editor.org/info/rfc6750",
          primary: true,
        },
      ],
    ],
    ["meta", { resourceType: "ServiceProviderConfig" }],
  ])("%s", (key, expected) => {
    expect(doc[key]).toEqual(expected);
  });

  test("sort and etag follow the options", () => {
    const off = serviceProviderConfig({ ...CONFIG, sortSupported: false, etagSupported: false });
    expect([off.sort, off.etag]).toEqual([{ supported: false }, { supported: false }]);
  });

  test("meta.location when a base URL is given", () => {
    expect(serviceProviderConfig({ ...CONFIG, baseUrl: `${BASE}/` }).meta).toEqual({
      resourceType: "ServiceProviderConfig",
      location: `${BASE}/ServiceProviderConfig`,
    });
  });
});

describe("resourceTypes (RFC 7643 §6)", () => {
  const docs = resourceTypes(BASE);

  test("User, with both extensions optional", () => {
    expect(docs[0]).toEqual({
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: "User",
      name: "User",
      endpoint: "/Users",
      description: "User Account",
      schema: USER_SCHEMA,
      schemaExtensions: [
        { schema: ENTERPRISE_USER_SCHEMA, required: false },
        { schema: SCIMD_USER_SCHEMA, required: false },
      ],
      meta: { resourceType: "ResourceType", location: `${BASE}/ResourceTypes/User` },
    });
  });

  test("Group, without schemaExtensions as in RFC 7643 §8.6", () => {
    expect(docs[1]).toEqual({
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: "Group",
      name: "Group",
      endpoint: "/Groups",
      description: "Group",
      schema: GROUP_SCHEMA,
      meta: { resourceType: "ResourceType", location: `${BASE}/ResourceTypes/Group` },
    });
  });

  test("one per registry resource type; a trailing slash on the base URL is not doubled", () => {
    expect(resourceTypes(`${BASE}/`).map((d) => (d.meta as { location: string }).location)).toEqual(
      RESOURCE_SCHEMAS.map((rs) => `${BASE}/ResourceTypes/${rs.type.id}`),
    );
  });
});

describe("schemaResources (RFC 7643 §7)", () => {
  const docs = schemaResources(BASE);

  const expectedAttribute = (a: AttributeDef): Record<string, unknown> => ({
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.canonicalValues?.length ? { canonicalValues: a.canonicalValues } : {}),
    ...(a.referenceTypes?.length ? { referenceTypes: a.referenceTypes } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(expectedAttribute) } : {}),
  });

  test("one document per registry schema, then the discovery documents' own schemas (RFC 7643 §8.7.2)", () => {
    expect(docs.map((d) => d.id)).toEqual([...ALL_SCHEMAS.map((s) => s.id), SERVICE_PROVIDER_CONFIG_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA]);
  });

  // Every key of every discovery document the server returns is described by that document's schema, with
  // the type it has; a sub-attribute of a complex one likewise (to the two levels a SCIM schema describes: the
  // Schema document of the Schema schema nests one more, RFC 7643 §8.7.2's own representation too).
  const undescribed = (value: Record<string, unknown>, attributes: readonly { name: string; type: string; multiValued: boolean; subAttributes?: unknown[] }[], at: string): string[] => {
    const out: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (at === "" && (key === "schemas" || key === "meta")) continue;
      const a = attributes.find((x) => x.name === key);
      if (!a) {
        out.push(`${at}${key}: not in the schema`);
        continue;
      }
      const values = a.multiValued ? (Array.isArray(v) ? v : [Symbol("not a list")]) : [v];
      for (const x of values) {
        const ok = { string: "string", boolean: "boolean", integer: "number", reference: "string", complex: "object" }[a.type] === typeof x;
        if (!ok) out.push(`${at}${key}: ${JSON.stringify(x)} is not ${a.multiValued ? "a list of " : ""}${a.type}`);
        else if (a.type === "complex" && at.split(".").length < 3) out.push(...undescribed(x as Record<string, unknown>, (a.subAttributes ?? []) as never, `${at}${key}.`));
      }
    }
    return out;
  };
  const schemaOfDoc = (urn: string) => docs.find((d) => d.id === urn)!.attributes as never;

  test("the ServiceProviderConfig, each ResourceType and each Schema document is described by its schema", () => {
    const spc = serviceProviderConfig({ documentationUri: "https://example.com/docs", maxResults: 1000, maxOperations: 1000, maxPayloadSize: 1048576, sortSupported: true, etagSupported: true, changePasswordSupported: false, baseUrl: BASE });
    expect(undescribed(spc, schemaOfDoc(SERVICE_PROVIDER_CONFIG_SCHEMA), "")).toEqual([]);
    for (const rt of resourceTypes(BASE)) expect(undescribed(rt, schemaOfDoc(RESOURCE_TYPE_SCHEMA), "")).toEqual([]);
    for (const d of docs) expect(undescribed(d, schemaOfDoc(SCHEMA_SCHEMA), "")).toEqual([]);
    // The check itself finds what is missing.
    expect(undescribed({ ...spc, shoeSize: 42 }, schemaOfDoc(SERVICE_PROVIDER_CONFIG_SCHEMA), "")).toEqual(["shoeSize: not in the schema"]);
  });

  test("the discovery schemas' attributes are all read-only", () => {
    const walk = (attributes: { mutability: string; subAttributes?: unknown[] }[]): string[] =>
      attributes.flatMap((a) => [a.mutability, ...walk((a.subAttributes ?? []) as never)]);
    for (const urn of [SERVICE_PROVIDER_CONFIG_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA]) expect(new Set(walk(schemaOfDoc(urn)))).toEqual(new Set(["readOnly"]));
  });

  test.each(ALL_SCHEMAS.map((s, i) => [s.id, i] as const))("%s lists every attribute with its characteristics", (id, i) => {
    const schema = ALL_SCHEMAS[i];
    expect(docs[i]).toEqual({
      schemas: [SCHEMA_SCHEMA],
      id,
      name: schema.name,
      description: schema.description,
      attributes: [...(CORE.has(id) ? COMMON_ATTRIBUTES.filter((a) => a.name === "externalId") : []), ...schema.attributes].map(expectedAttribute),
      meta: { resourceType: "Schema", location: `${BASE}/Schemas/${id}` },
    });
  });

  test.each([USER_SCHEMA, GROUP_SCHEMA])("%s lists externalId (Microsoft's validator needs every attribute Entra maps), not id or meta", (urn) => {
    const doc = docs.find((d) => d.id === urn);
    const attributes = doc?.attributes as { name: string; caseExact: boolean; mutability: string }[];
    expect(attributes.map((a) => a.name)).not.toContain("id");
    expect(attributes.map((a) => a.name)).not.toContain("meta");
    expect(attributes.find((a) => a.name === "externalId")).toMatchObject({ caseExact: true, mutability: "readWrite", multiValued: false });
  });

  test("extension schemas do not list externalId", () => {
    for (const d of docs.filter((d) => !CORE.has(d.id as string))) expect((d.attributes as { name: string }[]).map((a) => a.name)).not.toContain("externalId");
  });

  test.each([
    ["userName", { required: true, uniqueness: "server", returned: "default" }],
    ["password", { mutability: "writeOnly", returned: "never" }],
    ["groups", { mutability: "readOnly", multiValued: true }],
  ])("User %s carries its RFC 7643 §4.1 characteristics", (name, expected) => {
    const user = docs.find((d) => d.id === USER_SCHEMA);
    const attribute = (user?.attributes as { name: string }[]).find((a) => a.name === name);
    expect(attribute).toMatchObject(expected);
  });

  test("a photo's value is a reference to an external URL (RFC 7643 §8.7.1)", () => {
    const user = docs.find((d) => d.id === USER_SCHEMA);
    const photos = (user?.attributes as { name: string; subAttributes?: { name: string }[] }[]).find((a) => a.name === "photos");
    expect(photos?.subAttributes?.find((s) => s.name === "value")).toMatchObject({ type: "reference", referenceTypes: ["external"], caseExact: false });
  });

  test("sub-attributes are listed with their characteristics", () => {
    const group = docs.find((d) => d.id === GROUP_SCHEMA);
    const members = (group?.attributes as { name: string; subAttributes?: { name: string }[] }[]).find((a) => a.name === "members");
    expect(members?.subAttributes?.map((s) => s.name)).toEqual(["value", "$ref", "display", "type"]);
    expect(members?.subAttributes?.[1]).toMatchObject({ type: "reference", referenceTypes: ["User", "Group"] });
  });

  test("documents are plain JSON", () => {
    expect(JSON.parse(JSON.stringify(docs))).toEqual(docs);
  });
});
