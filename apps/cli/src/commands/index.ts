import Dev from "./dev.ts";
import Server from "./server.ts";
import Worker from "./worker.ts";

/** Every command, by id (oclif's explicit strategy: no directory scanning at startup). */
export const commands = {
  dev: Dev,
  server: Server,
  worker: Worker,
};
