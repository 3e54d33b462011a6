/** A base URL without trailing slashes, so that `${base}/Schemas` never doubles one. */
export function trimSlash(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}
