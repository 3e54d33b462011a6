// Token checks must not reveal how close a guess was: scimd hashes the presented token and looks the hash up,
// so a near miss (one character off a real token) and a far miss cost the same. This prints both medians.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authenticate, generateSecret, hashSecret } from "../src/core/tokens.ts";
import { openStorage } from "../src/storage/open-storage.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runTokenBench(rounds = 20_000): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "scimd-bench-token-"));
  const storage = openStorage(join(dir, "scimd.db"));
  try {
    const secret = generateSecret();
    await storage.tokens.create("bench", hashSecret(secret), "scim", new Date().toISOString(), null);
    const near = secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
    const far = generateSecret();
    const now = new Date();
    const timeOf = async (token: string) => {
      const t0 = performance.now();
      await authenticate(storage.tokens, `Bearer ${token}`, now);
      return (performance.now() - t0) * 1000;
    };
    const nearTimes: number[] = [];
    const farTimes: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // Interleaved, so that drift in the machine's speed affects both alike.
      nearTimes.push(await timeOf(near));
      farTimes.push(await timeOf(far));
    }
    return { "near miss, median µs": median(nearTimes), "far miss, median µs": median(farTimes) };
  } finally {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) for (const [k, v] of Object.entries(await runTokenBench())) console.log(`${k.padEnd(28)} ${v.toFixed(2)}`);
