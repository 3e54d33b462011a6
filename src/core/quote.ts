/** `text` cut to `max` characters, with "…" where it was cut. */
export const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * A client's text as a message shows it: in JSON quotes (so quotes, C0 control characters and lone surrogates
 * come out escaped), with what JSON leaves bare escaped too: DEL and the C1 controls (U+007F-U+009F, U+0085 a
 * line break to some readers) and the line separators U+2028 and U+2029, so that an error stays one line and
 * shows the character it names; cut to `max` characters so that a 5,000-character path is not echoed back whole.
 * A value that is not a string is shown as its JSON text, cut the same way.
 */
export function quoted(value: unknown, max = 60): string {
  const text = typeof value === "string" ? JSON.stringify(clip(value, max)) : clip(JSON.stringify(value) ?? String(value), max);
  return text.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A URL as logs, status and errors may show it: only its scheme and host. A key in a webhook URL (user:password@,
 * `?code=` as Azure Functions use, or the path itself, as Slack's and Teams' incoming webhooks are) is a
 * credential, and no secret may be logged; what follows the host becomes "/…", user information "…@".
 */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username || u.password ? "…@" : "";
    const rest = (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash ? "/…" : "";
    return `${u.protocol}//${user}${u.host}${rest}`;
  } catch {
    return "(a URL that cannot be parsed)";
  }
}
