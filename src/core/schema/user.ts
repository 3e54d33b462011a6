import { attr, type AttributeDef, type SchemaDef } from "./types.ts";
import { USER_SCHEMA } from "./urns.ts";

const typed = (name: string, description: string, types: string[], extra: AttributeDef[] = [], value: Partial<AttributeDef> = {}) =>
  attr(name, {
    type: "complex",
    multiValued: true,
    description,
    subAttributes: [
      attr("value", { description: `The ${name} value.`, ...value }),
      attr("display", { description: "A human-readable name, primarily used for display purposes." }),
      attr("type", { description: "A label indicating the attribute's function.", canonicalValues: types }),
      attr("primary", { type: "boolean", description: "Whether this is the preferred value." }),
      ...extra,
    ],
  });

// RFC 7643 §4.1
export const userSchema: SchemaDef = {
  id: USER_SCHEMA,
  name: "User",
  description: "User Account",
  attributes: [
    attr("userName", {
      description: "Unique identifier for the User, used to authenticate to the service provider.",
      required: true,
      uniqueness: "server",
    }),
    attr("name", {
      type: "complex",
      description: "The components of the user's real name.",
      subAttributes: [
        attr("formatted", { description: "The full name, formatted for display." }),
        attr("familyName", { description: "The family name of the User." }),
        attr("givenName", { description: "The given name of the User." }),
        attr("middleName", { description: "The middle name(s) of the User." }),
        attr("honorificPrefix", { description: "The honorific prefix(es) of the User." }),
        attr("honorificSuffix", { description: "The honorific suffix(es) of the User." }),
      ],
    }),
    attr("displayName", { description: "The name of the User, suitable for display to end-users." }),
    attr("nickName", { description: "The casual way to address the user." }),
    attr("profileUrl", { type: "reference", referenceTypes: ["external"], description: "A fully qualified URL pointing to a page representing the User's online profile." }),
    attr("title", { description: "The user's title, such as \"Vice President\"." }),
    attr("userType", { description: "Identifies the relationship between the organization and the user." }),
    attr("preferredLanguage", { description: "The User's preferred written or spoken language." }),
    attr("locale", { description: "The User's default location for localizing items." }),
    attr("timezone", { description: "The User's time zone in the Olson format." }),
    attr("active", { type: "boolean", description: "The User's administrative status." }),
    attr("password", {
      description: "The User's cleartext password.",
      caseExact: true,
      mutability: "writeOnly",
      returned: "never",
    }),
    typed("emails", "Email addresses for the user.", ["work", "home", "other"]),
    typed("phoneNumbers", "Phone numbers for the User.", ["work", "home", "mobile", "fax", "pager", "other"]),
    typed("ims", "Instant messaging addresses for the User.", ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
    // RFC 7643 §4.1.2 and §8.7.1: a photo's value is a reference to the image's URL (case-insensitive there, as
    // profileUrl is).
    typed("photos", "URLs of photos of the User.", ["photo", "thumbnail"], [], { type: "reference", referenceTypes: ["external"] }),
    attr("addresses", {
      type: "complex",
      multiValued: true,
      description: "A physical mailing address for this User.",
      subAttributes: [
        attr("formatted", { description: "The full mailing address, formatted for display." }),
        attr("streetAddress", { description: "The full street address component." }),
        attr("locality", { description: "The city or locality component." }),
        attr("region", { description: "The state or region component." }),
        attr("postalCode", { description: "The zip code or postal code component." }),
        attr("country", { description: "The country name component." }),
        attr("type", { description: "A label indicating the attribute's function.", canonicalValues: ["work", "home", "other"] }),
        attr("primary", { type: "boolean", description: "Whether this is the preferred address." }),
      ],
    }),
    attr("groups", {
      type: "complex",
      multiValued: true,
      description: "A list of groups to which the user belongs.",
      mutability: "readOnly",
      subAttributes: [
        attr("value", { description: "The identifier of the User's group.", mutability: "readOnly" }),
        attr("$ref", { type: "reference", referenceTypes: ["Group"], caseExact: true, mutability: "readOnly", description: "The URI of the corresponding Group resource." }),
        attr("display", { description: "A human-readable name.", mutability: "readOnly" }),
        attr("type", { description: "Direct or indirect membership.", canonicalValues: ["direct", "indirect"], mutability: "readOnly" }),
      ],
    }),
    typed("entitlements", "A list of entitlements for the User.", []),
    typed("roles", "A list of roles for the User.", []),
    attr("x509Certificates", {
      type: "complex",
      multiValued: true,
      description: "A list of certificates issued to the User.",
      subAttributes: [
        attr("value", { type: "binary", caseExact: true, description: "The value of an X.509 certificate." }),
        attr("display", { description: "A human-readable name." }),
        attr("type", { description: "A label indicating the attribute's function." }),
        attr("primary", { type: "boolean", description: "Whether this is the preferred value." }),
      ],
    }),
  ],
};
