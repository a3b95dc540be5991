#!/usr/bin/env node
// Helmr runs its TypeScript sources directly: tsx compiles on import, so task modules
// (`helmr worker ./tasks.ts`) and Helmr itself need no build step.
import { register } from "tsx/esm/api";

register();
const { execute } = await import("@oclif/core");
await execute({ dir: import.meta.url });
