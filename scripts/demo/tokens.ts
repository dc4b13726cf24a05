import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { TaskManagerTrpc } from "@/sdk";
import type { DemoTeam } from "./agents";

export const ORCHESTRATOR_TOKEN_NAME = "demo-orchestrator";
export const agentTokenName = (team: DemoTeam) => `demo-${team}-agents`;

export interface DemoTokens {
  orchestrator: string;
  agents: Record<DemoTeam, string>;
}

const savedTokenSchema = z.object({ id: z.string(), secret: z.string() });
type SavedToken = z.infer<typeof savedTokenSchema>;
const savedTokensSchema = z.record(z.string(), savedTokenSchema);

/** Where the secrets of the demo's tokens are kept between runs (they are shown only once). */
export interface TokenStore {
  load(): Promise<Record<string, SavedToken>>;
  save(tokens: Record<string, SavedToken>): Promise<void>;
}

/**
 * A JSON file (mode 0600) keyed by server URL. Keeping the secrets is what makes a second run
 * idempotent: the agents are identified by (token, name), so the same tokens bring back the
 * same agents instead of adding a new set beside the old, offline ones.
 */
export function fileTokenStore(file: string, url: string): TokenStore {
  const fileSchema = z.record(z.string(), savedTokensSchema);
  const readAll = async () => {
    try {
      return fileSchema.parse(JSON.parse(await readFile(file, "utf8")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw new Error(`${file}: ${(error as Error).message} (delete the file to start afresh)`);
    }
  };
  return {
    load: async () => (await readAll())[url] ?? {},
    save: async (tokens) => {
      const all = { ...(await readAll()), [url]: tokens };
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    },
  };
}

/** Keeps nothing: every run makes fresh tokens (the in-process use, e.g. the benchmark). */
export function memoryTokenStore(): TokenStore {
  let kept: Record<string, SavedToken> = {};
  return {
    load: async () => kept,
    save: async (tokens) => {
      kept = tokens;
    },
  };
}

/**
 * The orchestrator token and one agent token per team. A saved token still live on the server
 * is reused; otherwise any live token of that name (its secret lost) is revoked and a new one
 * made, so the server keeps exactly one live token per demo name.
 */
export async function ensureDemoTokens(
  admin: TaskManagerTrpc,
  store: TokenStore,
): Promise<DemoTokens> {
  const [saved, live] = await Promise.all([store.load(), admin.tokens.list.query()]);
  const now = Date.now();
  const liveTokens = live.filter(
    (token) => token.expiresAt === null || Date.parse(token.expiresAt) > now,
  );
  const kept: Record<string, SavedToken> = {};

  const ensure = async (name: string, role: "orchestrator" | "agent"): Promise<string> => {
    const previous = saved[name];
    if (previous && liveTokens.some((token) => token.id === previous.id && token.role === role)) {
      kept[name] = previous;
      return previous.secret;
    }
    for (const stale of liveTokens.filter((token) => token.name === name)) {
      await admin.tokens.revoke.mutate({ id: stale.id });
    }
    const created = await admin.tokens.create.mutate({ name, role });
    kept[name] = { id: created.token.id, secret: created.secret };
    return created.secret;
  };

  const orchestrator = await ensure(ORCHESTRATOR_TOKEN_NAME, "orchestrator");
  const agents: Record<DemoTeam, string> = {
    research: await ensure(agentTokenName("research"), "agent"),
    engineering: await ensure(agentTokenName("engineering"), "agent"),
    ml: await ensure(agentTokenName("ml"), "agent"),
  };
  await store.save(kept);
  return { orchestrator, agents };
}
