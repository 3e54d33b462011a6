import { readConfig, type Io } from "./common.ts";

export async function checkConfigCommand(args: { config?: string }, io: Io): Promise<void> {
  const { config, source } = readConfig(args.config, io);
  io.out(`The configuration is valid (${source}); scimd will listen on ${config.server.host}:${config.server.port} with the database ${config.storage.path}.`);
}
