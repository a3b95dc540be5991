import type { RouteDefinition } from "../framework/types.ts";
import runsCancel from "./runs-cancel.ts";
import runsEvents from "./runs-events.ts";
import runsGet from "./runs-get.ts";
import runsList from "./runs-list.ts";
import sessionsClose from "./sessions-close.ts";
import sessionsCreate from "./sessions-create.ts";
import sessionsGet from "./sessions-get.ts";
import sessionsList from "./sessions-list.ts";
import tasksTrigger from "./tasks-trigger.ts";
import sessionsInputList from "./sessions-input-list.ts";
import sessionsInputSend from "./sessions-input-send.ts";
import sessionsOutputRead from "./sessions-output-read.ts";
import waitsList from "./waits-list.ts";

/** Every /api/v1 route, all behind a secret key. */
export const apiRoutes: RouteDefinition[] = [
  sessionsCreate,
  sessionsList,
  sessionsGet,
  sessionsClose,
  tasksTrigger,
  runsList,
  runsGet,
  runsEvents,
  runsCancel,
  sessionsInputSend,
  sessionsInputList,
  sessionsOutputRead,
  waitsList,
];

export { default as healthz } from "./healthz.ts";
