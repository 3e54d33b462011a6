/**
 * RFC 9562 UUIDv7: unguessable (74 random bits) and ordered by creation time, so that new ids land at the
 * end of the storage's primary-key index instead of at random places in it.
 */
export function uuidV7(now = Date.now()): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] = Math.floor(now / 2 ** 40) & 0xff;
  b[1] = Math.floor(now / 2 ** 32) & 0xff;
  b[2] = (now >>> 24) & 0xff;
  b[3] = (now >>> 16) & 0xff;
  b[4] = (now >>> 8) & 0xff;
  b[5] = now & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = (from: number, to: number) => {
    let s = "";
    for (let i = from; i < to; i++) s += HEX[b[i]!];
    return s;
  };
  return `${x(0, 4)}-${x(4, 6)}-${x(6, 8)}-${x(8, 10)}-${x(10, 16)}`;
}

/** Two hex digits for each byte value. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
