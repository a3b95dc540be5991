import Dev from "./dev.ts";
import InputList from "./input/list.ts";
import InputSend from "./input/send.ts";
import OutputRead from "./output/read.ts";
import RunCancel from "./run/cancel.ts";
import RunReplay from "./run/replay.ts";
import RunRetry from "./run/retry.ts";
import RunBulkCancel from "./run/bulk-cancel.ts";
import RunBulkReplay from "./run/bulk-replay.ts";
import RunBulkStatus from "./run/bulk-status.ts";
import RunEvents from "./run/events.ts";
import RunGet from "./run/get.ts";
import RunList from "./run/list.ts";
import Server from "./server.ts";
import ScheduleCreate from "./schedule/create.ts";
import WebhookCreate from "./webhook/create.ts";
import WebhookDelete from "./webhook/delete.ts";
import WebhookEnable from "./webhook/enable.ts";
import WebhookGet from "./webhook/get.ts";
import WebhookList from "./webhook/list.ts";
import ScheduleDelete from "./schedule/delete.ts";
import ScheduleGet from "./schedule/get.ts";
import ScheduleList from "./schedule/list.ts";
import SchedulePause from "./schedule/pause.ts";
import ScheduleResume from "./schedule/resume.ts";
import SessionGet from "./session/get.ts";
import SessionList from "./session/list.ts";
import SnapshotCreate from "./snapshot/create.ts";
import SnapshotList from "./snapshot/list.ts";
import SnapshotRestore from "./snapshot/restore.ts";
import TaskGet from "./task/get.ts";
import TaskLimitsCommand from "./task/limits.ts";
import TaskPause from "./task/pause.ts";
import TaskResume from "./task/resume.ts";
import TaskTrigger from "./task/trigger.ts";
import TokenComplete from "./token/complete.ts";
import TokenFail from "./token/fail.ts";
import TokenCreate from "./token/create.ts";
import TokenGet from "./token/get.ts";
import TokenList from "./token/list.ts";
import WaitList from "./wait/list.ts";
import VersionList from "./version/list.ts";
import VersionPromote from "./version/promote.ts";
import Worker from "./worker.ts";
import ReplayCheck from "./replay-check.ts";
import Limit from "./limit.ts";

/** Every command, by id (oclif's explicit strategy: no directory scanning at startup). */
export const commands = {
  dev: Dev,
  server: Server,
  worker: Worker,
  "replay-check": ReplayCheck,
  limit: Limit,
  "session:get": SessionGet,
  "session:list": SessionList,
  "run:list": RunList,
  "run:get": RunGet,
  "run:events": RunEvents,
  "run:cancel": RunCancel,
  "run:replay": RunReplay,
  "run:retry": RunRetry,
  "run:bulk-cancel": RunBulkCancel,
  "run:bulk-replay": RunBulkReplay,
  "run:bulk-status": RunBulkStatus,
  "wait:list": WaitList,
  "version:list": VersionList,
  "version:promote": VersionPromote,
  "token:list": TokenList,
  "token:get": TokenGet,
  "token:create": TokenCreate,
  "token:complete": TokenComplete,
  "token:fail": TokenFail,
  "input:send": InputSend,
  "input:list": InputList,
  "output:read": OutputRead,
  "task:trigger": TaskTrigger,
  "task:get": TaskGet,
  "task:limits": TaskLimitsCommand,
  "task:pause": TaskPause,
  "task:resume": TaskResume,
  "schedule:list": ScheduleList,
  "webhook:create": WebhookCreate,
  "webhook:list": WebhookList,
  "webhook:get": WebhookGet,
  "webhook:delete": WebhookDelete,
  "webhook:enable": WebhookEnable,
  "schedule:get": ScheduleGet,
  "schedule:create": ScheduleCreate,
  "schedule:pause": SchedulePause,
  "schedule:resume": ScheduleResume,
  "schedule:delete": ScheduleDelete,
  "snapshot:create": SnapshotCreate,
  "snapshot:list": SnapshotList,
  "snapshot:restore": SnapshotRestore,
};
