import type { RouteDefinition } from "../framework/types.ts";
import authPublicTokens from "./auth-public-tokens.ts";
import authPublicTokensRevoke from "./auth-public-tokens-revoke.ts";
import runsCancel from "./runs-cancel.ts";
import runsEvents from "./runs-events.ts";
import runsGet from "./runs-get.ts";
import runsJournal from "./runs-journal.ts";
import runsList from "./runs-list.ts";
import runsReplay from "./runs-replay.ts";
import runsRetry from "./runs-retry.ts";
import runsBulkCancel from "./runs-bulk-cancel.ts";
import runsBulkReplay from "./runs-bulk-replay.ts";
import bulkActionsGet from "./bulk-actions-get.ts";
import bulkActionsList from "./bulk-actions-list.ts";
import webhooksCreate from "./webhooks-create.ts";
import webhooksList from "./webhooks-list.ts";
import webhooksGet from "./webhooks-get.ts";
import webhooksDelete from "./webhooks-delete.ts";
import webhooksEnable from "./webhooks-enable.ts";
import schedulesCreate from "./schedules-create.ts";
import schedulesDelete from "./schedules-delete.ts";
import schedulesGet from "./schedules-get.ts";
import schedulesList from "./schedules-list.ts";
import schedulesPause from "./schedules-pause.ts";
import schedulesResume from "./schedules-resume.ts";
import schedulesUpdate from "./schedules-update.ts";
import sessionsClose from "./sessions-close.ts";
import sessionsCreate from "./sessions-create.ts";
import sessionsDelete from "./sessions-delete.ts";
import sessionsGet from "./sessions-get.ts";
import sessionsInputList from "./sessions-input-list.ts";
import sessionsInputSend from "./sessions-input-send.ts";
import sessionsList from "./sessions-list.ts";
import sessionsOutputRead from "./sessions-output-read.ts";
import tasksTrigger from "./tasks-trigger.ts";
import tasksBatchTrigger from "./tasks-batch-trigger.ts";
import tasksGet from "./tasks-get.ts";
import limitsGet from "./limits-get.ts";
import limitsSet from "./limits-set.ts";
import tasksList from "./tasks-list.ts";
import tasksLimitsSet from "./tasks-limits-set.ts";
import tasksPause from "./tasks-pause.ts";
import tasksResume from "./tasks-resume.ts";
import tokensComplete from "./tokens-complete.ts";
import tokensCreate from "./tokens-create.ts";
import tokensFail from "./tokens-fail.ts";
import tokensGet from "./tokens-get.ts";
import tokensList from "./tokens-list.ts";
import waitsList from "./waits-list.ts";
import versionsList from "./versions-list.ts";
import versionsPromote from "./versions-promote.ts";

/** Every authenticated /api/v1 route; only those marked acceptsPublicToken take a public access token. */
export const apiRoutes: RouteDefinition[] = [
  sessionsCreate,
  sessionsList,
  sessionsGet,
  sessionsClose,
  sessionsDelete,
  sessionsInputSend,
  sessionsInputList,
  sessionsOutputRead,
  tasksTrigger,
  tasksBatchTrigger,
  tasksList,
  tasksGet,
  tasksLimitsSet,
  tasksPause,
  tasksResume,
  limitsGet,
  limitsSet,
  runsBulkCancel,
  runsBulkReplay,
  runsList,
  runsGet,
  runsEvents,
  runsJournal,
  runsReplay,
  runsRetry,
  runsCancel,
  bulkActionsList,
  bulkActionsGet,
  webhooksCreate,
  webhooksList,
  webhooksGet,
  webhooksDelete,
  webhooksEnable,
  waitsList,
  schedulesCreate,
  schedulesList,
  schedulesGet,
  schedulesUpdate,
  schedulesDelete,
  schedulesPause,
  schedulesResume,
  versionsList,
  versionsPromote,
  tokensCreate,
  tokensList,
  tokensGet,
  tokensComplete,
  tokensFail,
  authPublicTokens,
  authPublicTokensRevoke,
];

export { default as approvePage } from "./approve-page.ts";
export { default as dashboardAsset } from "./dashboard-asset.ts";
export { default as dashboardPage } from "./dashboard-page.ts";
export { default as healthz } from "./healthz.ts";
export { default as metrics } from "./metrics.ts";
export { default as openApi } from "./openapi.ts";
export { default as tokensCallback } from "./tokens-callback.ts";
