// Generated from the headers of lua/*.lua by scripts/build/lua-contract.ts: do not edit by hand.
// Each script's keys and arguments by name, in the order the script reads them, its reply's
// shapes, the errors it may return and what a run of it marks (run-script.ts).

export const SCRIPT_CONTRACTS = {
  acquireSlot: {"keys":["runs"],"args":["base","runId","jobId","carrier","scope","key","rank","taskId","version","warmWorker","flow","leaseMs","grantLeaseMs","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["granted","throttled"],"fields":["dispatch","nextTimerAt"]},{"tags":["free"],"fields":[]},{"tags":["duplicate"],"fields":[]}]},"errors":[],"marks":"none"},
  addWaiting: {"keys":["dir","sequence","kinds"],"args":["member","score","prefix","size","kind","fractions"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"none"},
  adoptRun: {"keys":["run"],"args":["parent"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["adopted","already"],"fields":["status"]},{"tags":["other"],"fields":["status"]}]},"errors":["RunNotFound"],"marks":"none"},
  appendOutput: {"keys":["run","session","stream"],"args":["fence","position","streamName","data","now","runId","cap"],"rest":null,"reply":{"type":"string"},"errors":["StaleExecution","Cancelled"],"marks":"none"},
  beginClaimed: {"keys":["run","session"],"args":["fence","startedAt","runId"],"rest":null,"reply":{"type":"integer"},"errors":["StaleExecution","Cancelled"],"marks":"none"},
  cancelRun: {"keys":["run","session"],"args":["now","runId","reason","tagPrefix"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["cancelled","requested","finished"],"fields":["waitedSince","parent","child","batch","wakeJob","warmWorker","version"]}]},"errors":["RunNotFound"],"marks":"retention"},
  closeSession: {"keys":["session"],"args":["now","tagPrefix"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["closed"],"fields":["cancelledCount","ended"]},{"tags":["already"],"fields":[]}]},"errors":["SessionNotFound"],"marks":"retention"},
  completeRun: {"keys":["run","session"],"args":["fence","output","now","runId"],"rest":null,"reply":{"type":"integer"},"errors":["StaleExecution","Cancelled"],"marks":"retention"},
  completeToken: {"keys":["token"],"args":["data","canon","now","outcome"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["completed","failed"],"fields":["waiter","completedAt"]},{"tags":["already"],"fields":["data","completedAt","waiter"]}]},"errors":["TokenNotFound","TokenCompletedOtherwise","TokenFailed","TokenTimedOut"],"marks":"retention"},
  continueRun: {"keys":["run","session"],"args":["fence","newRunId","payload","now","runId","tagPrefix"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["jobId","taskId","claim"]}]},"errors":["StaleExecution","Cancelled"],"marks":"retention"},
  createPublicToken: {"keys":["token","session"],"args":["scope","maxUses","expiresAt","now","ownId"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"unit"},
  createRun: {"keys":["session","run"],"args":["runId","taskId","payload","now","jobId","idempotencyKey","createSession","parent","version","flow","expireAt","schedule","replayOf","traceparent"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["created"],"fields":["claim"]},{"tags":["exists"],"fields":["status"]}]},"errors":["SessionNotFound","SessionClosed"],"marks":"unit"},
  createRuns: {"keys":["session"],"args":["runs","taskId","now","tagPrefix","version","traceparent"],"rest":null,"reply":{"type":"list"},"errors":["SessionNotFound","SessionClosed"],"marks":"unit"},
  createSession: {"keys":["session"],"args":["externalId","tags","metadata","now"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"retention"},
  createToken: {"keys":["token","session"],"args":["timeoutAt","tags","metadata","now","runId","idempotencyKey"],"rest":null,"reply":{"type":"integer"},"errors":["TokenDeleted"],"marks":"retention"},
  delayStart: {"keys":["run"],"args":["runId","payload","runAt","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["moved"],"fields":["jobId","supersededJob","version","flow"]},{"tags":["started"],"fields":[]},{"tags":["missing"],"fields":[]}]},"errors":[],"marks":"unit"},
  deleteLookup: {"keys":["lookup"],"args":["id","format"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"none"},
  deleteToken: {"keys":["token"],"args":["cutoff","retention"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["deleted"],"fields":["tags","idempotencyKey","createdAt"]},{"tags":["keep"],"fields":["next"]},{"tags":["gone"],"fields":[]}]},"errors":[],"marks":"none"},
  deliverInput: {"keys":["session","stream","consumed","publicToken"],"args":["data","corr","now","tagPrefix","streamName","withPublicToken"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["resumed"],"fields":["entryId","runId","jobId","taskId","waitedSince","claim","warmWorker","supersededJob"]},{"tags":["buffered"],"fields":["entryId"]}]},"errors":["SessionNotFound","SessionClosed","PublicTokenInvalid","PublicTokenExhausted"],"marks":"unit"},
  dropWarm: {"keys":["run"],"args":["workerId"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"none"},
  dumpSession: {"keys":["session"],"args":["tagPrefix"],"rest":null,"reply":{"type":"list"},"errors":[],"marks":"none"},
  eraseSession: {"keys":["session"],"args":["tagPrefix"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["runs","tokens","session","schedules"]},{"tags":[],"fields":[]}]},"errors":[],"marks":"none"},
  expireRun: {"keys":["run","session"],"args":["runId","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["expired","kept"],"fields":["status","parent","job","version"]}]},"errors":[],"marks":"retention"},
  extendLock: {"keys":["lock"],"args":["holder","ttl"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"none"},
  failAttempt: {"keys":["run","session"],"args":["fence","err","retryable","maxAttempts","retryDelay","now","runId"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["retry"],"fields":["jobId","runAt"]},{"tags":["failed"],"fields":[]}]},"errors":["StaleExecution","Cancelled"],"marks":"retention"},
  forgetUnattendedChanges: {"keys":["lock","state"],"args":["now","holder","ttl"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"none"},
  parkRun: {"keys":["run","session"],"args":["fence","position","entry","wait","wakeAt","now","runId","warmWorker"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["wakeJobId"]}]},"errors":["StaleExecution","Cancelled"],"marks":"unit"},
  pinRun: {"keys":["run"],"args":["version","fence","pin"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"none"},
  readHistory: {"keys":["run"],"args":[],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["payload","chunks"]}]},"errors":[],"marks":"none"},
  readInputs: {"keys":["stream"],"args":["first","last"],"rest":null,"reply":{"type":"string"},"errors":[],"marks":"none"},
  releaseExecution: {"keys":["run","session"],"args":["fence","now","runId"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["jobId"]}]},"errors":["StaleExecution","Cancelled"],"marks":"unit"},
  releaseSlot: {"keys":["runs"],"args":["base","runId","jobId","grantLeaseMs","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["dispatch","nextTimerAt"]}]},"errors":[],"marks":"none"},
  releaseWaiter: {"keys":["token"],"args":["waiter"],"rest":null,"reply":{"type":"integer"},"errors":[],"marks":"unit"},
  removeWaiting: {"keys":["dir","kinds"],"args":["prefix","fractions"],"rest":"pairs","reply":{"type":"integer"},"errors":[],"marks":"none"},
  renewSlots: {"keys":["leases"],"args":["base","leaseMs","now"],"rest":"runIds","reply":{"type":"integer"},"errors":[],"marks":"none"},
  rescheduleDue: {"keys":["due"],"args":[],"rest":"moves","reply":{"type":"integer"},"errors":[],"marks":"none"},
  resolveWait: {"keys":["run"],"args":["target","result","now","runId","kind","childRunId","tagPrefix"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["jobId","taskId","waitedSince","claim","warmWorker","supersededJob"]},{"tags":[],"fields":[]}]},"errors":[],"marks":"unit"},
  retryRun: {"keys":["run","session"],"args":["now","runId"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["retried"],"fields":["jobId","version"]}]},"errors":["RunNotFound","SessionNotFound","SessionClosed","RunNotFailed","RunHasParent"],"marks":"retention"},
  setLimits: {"keys":["runs"],"args":["base","scope","source","limits","grantLeaseMs","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["dispatch","nextTimerAt","limits"]}]},"errors":[],"marks":"none"},
  settleBatch: {"keys":["run"],"args":["position","index","result","now","runId"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["jobId","taskId","waitedSince","claim","warmWorker","supersededJob"]},{"tags":[],"fields":[]}]},"errors":[],"marks":"unit"},
  settleTokenTimeout: {"keys":["token"],"args":["now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["completed","failed"],"fields":["data"]},{"tags":["timed_out"],"fields":[]}]},"errors":["TokenNotFound"],"marks":"retention"},
  startExecution: {"keys":["run","session"],"args":["jobId","now","maxAttempts","runId","claimed","heldFence","version"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["run"],"fields":["fence","attempt","activeMs","carried","payload","chunks","waitedSince","resumedPosition","resumedResult","parent","schedule"]},{"tags":["stale"],"fields":["status","expectedJob","runAt","version"]},{"tags":["otherVersion"],"fields":["version"]},{"tags":["finished"],"fields":["status","endedNow"]},{"tags":["failed"],"fields":[]}]},"errors":["RunNotFound"],"marks":"none"},
  sweepSession: {"keys":["session"],"args":["now","runMs","sessionMs","idleMs","tagPrefix"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["erase","close","keep","gone"],"fields":["next","deleted"]}]},"errors":[],"marks":"none"},
  sweepSlots: {"keys":["runs"],"args":["base","grantLeaseMs","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["dispatch","nextTimerAt"]}]},"errors":[],"marks":"none"},
  upgradeRun: {"keys":["run"],"args":["from","to","fence","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["upgraded"],"fields":["status","job","runAt","warm"]},{"tags":["moved"],"fields":[]}]},"errors":[],"marks":"unit"},
  waitFirst: {"keys":["run","session"],"args":["fence","position","wait","wakeAt","now","runId","tagPrefix","warmWorker"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["won"],"fields":["key","result"]},{"tags":["parked"],"fields":["wakeJobId"]}]},"errors":["StaleExecution","Cancelled"],"marks":"unit"},
  waitForInput: {"keys":["run","session"],"args":["fence","position","entry","wait","timeoutAt","now","runId","tagPrefix","stream","corr","park","warmWorker"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["consumed"],"fields":["entryId","data"]},{"tags":["parked"],"fields":["timeoutJobId"]},{"tags":["empty"],"fields":[]}]},"errors":["StaleExecution","Cancelled"],"marks":"unit"},
  watchToken: {"keys":["token"],"args":["waiter","now"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":["completed","failed"],"fields":["data"]},{"tags":["timed_out"],"fields":[]},{"tags":["waiting"],"fields":["timeoutAt"]}]},"errors":["TokenNotFound","TokenHasWaiter"],"marks":"unit"},
  withdrawSlot: {"keys":["runs"],"args":["base","runId"],"rest":null,"reply":{"type":"tuple","variants":[{"tags":[],"fields":["withdrawn"]}]},"errors":[],"marks":"none"},
  writeJournal: {"keys":["run","session"],"args":["fence","position","entry","result","now","runId","batchSize"],"rest":null,"reply":{"type":"integer"},"errors":["StaleExecution","Cancelled"],"marks":"none"},
} as const;

export type ScriptName = keyof typeof SCRIPT_CONTRACTS;

/** The names of each script's KEYS. */
export interface ScriptKeyNames {
  acquireSlot: "runs";
  addWaiting: "dir" | "sequence" | "kinds";
  adoptRun: "run";
  appendOutput: "run" | "session" | "stream";
  beginClaimed: "run" | "session";
  cancelRun: "run" | "session";
  closeSession: "session";
  completeRun: "run" | "session";
  completeToken: "token";
  continueRun: "run" | "session";
  createPublicToken: "token" | "session";
  createRun: "session" | "run";
  createRuns: "session";
  createSession: "session";
  createToken: "token" | "session";
  delayStart: "run";
  deleteLookup: "lookup";
  deleteToken: "token";
  deliverInput: "session" | "stream" | "consumed" | "publicToken";
  dropWarm: "run";
  dumpSession: "session";
  eraseSession: "session";
  expireRun: "run" | "session";
  extendLock: "lock";
  failAttempt: "run" | "session";
  forgetUnattendedChanges: "lock" | "state";
  parkRun: "run" | "session";
  pinRun: "run";
  readHistory: "run";
  readInputs: "stream";
  releaseExecution: "run" | "session";
  releaseSlot: "runs";
  releaseWaiter: "token";
  removeWaiting: "dir" | "kinds";
  renewSlots: "leases";
  rescheduleDue: "due";
  resolveWait: "run";
  retryRun: "run" | "session";
  setLimits: "runs";
  settleBatch: "run";
  settleTokenTimeout: "token";
  startExecution: "run" | "session";
  sweepSession: "session";
  sweepSlots: "runs";
  upgradeRun: "run";
  waitFirst: "run" | "session";
  waitForInput: "run" | "session";
  watchToken: "token";
  withdrawSlot: "runs";
  writeJournal: "run" | "session";
}

/** The names of each script's ARGV (a variadic tail is passed as `rest`). */
export interface ScriptArgNames {
  acquireSlot: "base" | "runId" | "jobId" | "carrier" | "scope" | "key" | "rank" | "taskId" | "version" | "warmWorker" | "flow" | "leaseMs" | "grantLeaseMs" | "now";
  addWaiting: "member" | "score" | "prefix" | "size" | "kind" | "fractions";
  adoptRun: "parent";
  appendOutput: "fence" | "position" | "streamName" | "data" | "now" | "runId" | "cap";
  beginClaimed: "fence" | "startedAt" | "runId";
  cancelRun: "now" | "runId" | "reason" | "tagPrefix";
  closeSession: "now" | "tagPrefix";
  completeRun: "fence" | "output" | "now" | "runId";
  completeToken: "data" | "canon" | "now" | "outcome";
  continueRun: "fence" | "newRunId" | "payload" | "now" | "runId" | "tagPrefix";
  createPublicToken: "scope" | "maxUses" | "expiresAt" | "now" | "ownId";
  createRun: "runId" | "taskId" | "payload" | "now" | "jobId" | "idempotencyKey" | "createSession" | "parent" | "version" | "flow" | "expireAt" | "schedule" | "replayOf" | "traceparent";
  createRuns: "runs" | "taskId" | "now" | "tagPrefix" | "version" | "traceparent";
  createSession: "externalId" | "tags" | "metadata" | "now";
  createToken: "timeoutAt" | "tags" | "metadata" | "now" | "runId" | "idempotencyKey";
  delayStart: "runId" | "payload" | "runAt" | "now";
  deleteLookup: "id" | "format";
  deleteToken: "cutoff" | "retention";
  deliverInput: "data" | "corr" | "now" | "tagPrefix" | "streamName" | "withPublicToken";
  dropWarm: "workerId";
  dumpSession: "tagPrefix";
  eraseSession: "tagPrefix";
  expireRun: "runId" | "now";
  extendLock: "holder" | "ttl";
  failAttempt: "fence" | "err" | "retryable" | "maxAttempts" | "retryDelay" | "now" | "runId";
  forgetUnattendedChanges: "now" | "holder" | "ttl";
  parkRun: "fence" | "position" | "entry" | "wait" | "wakeAt" | "now" | "runId" | "warmWorker";
  pinRun: "version" | "fence" | "pin";
  readHistory: never;
  readInputs: "first" | "last";
  releaseExecution: "fence" | "now" | "runId";
  releaseSlot: "base" | "runId" | "jobId" | "grantLeaseMs" | "now";
  releaseWaiter: "waiter";
  removeWaiting: "prefix" | "fractions";
  renewSlots: "base" | "leaseMs" | "now";
  rescheduleDue: never;
  resolveWait: "target" | "result" | "now" | "runId" | "kind" | "childRunId" | "tagPrefix";
  retryRun: "now" | "runId";
  setLimits: "base" | "scope" | "source" | "limits" | "grantLeaseMs" | "now";
  settleBatch: "position" | "index" | "result" | "now" | "runId";
  settleTokenTimeout: "now";
  startExecution: "jobId" | "now" | "maxAttempts" | "runId" | "claimed" | "heldFence" | "version";
  sweepSession: "now" | "runMs" | "sessionMs" | "idleMs" | "tagPrefix";
  sweepSlots: "base" | "grantLeaseMs" | "now";
  upgradeRun: "from" | "to" | "fence" | "now";
  waitFirst: "fence" | "position" | "wait" | "wakeAt" | "now" | "runId" | "tagPrefix" | "warmWorker";
  waitForInput: "fence" | "position" | "entry" | "wait" | "timeoutAt" | "now" | "runId" | "tagPrefix" | "stream" | "corr" | "park" | "warmWorker";
  watchToken: "waiter" | "now";
  withdrawSlot: "base" | "runId";
  writeJournal: "fence" | "position" | "entry" | "result" | "now" | "runId" | "batchSize";
}

/** The scripts that take a variadic tail of arguments. */
export type VariadicScript = "removeWaiting" | "renewSlots" | "rescheduleDue";

/** Each script's reply, decoded: a tuple's fields by name (a tagged tuple's tag as `kind`; an empty tuple as null). */
export interface ScriptReplies {
  acquireSlot: { kind: "granted" | "throttled"; dispatch: string[]; nextTimerAt: string } | { kind: "free" } | { kind: "duplicate" };
  addWaiting: number;
  adoptRun: { kind: "adopted" | "already"; status: string } | { kind: "other"; status: string };
  appendOutput: string;
  beginClaimed: number;
  cancelRun: { kind: "cancelled" | "requested" | "finished"; waitedSince: string; parent: string; child: string; batch: string; wakeJob: string; warmWorker: string; version: string };
  closeSession: { kind: "closed"; cancelledCount: number; ended: string[] } | { kind: "already" };
  completeRun: number;
  completeToken: { kind: "completed" | "failed"; waiter: string; completedAt: string } | { kind: "already"; data: string; completedAt: string; waiter: string };
  continueRun: { jobId: string; taskId: string; claim: string[] };
  createPublicToken: number;
  createRun: { kind: "created"; claim: string[] } | { kind: "exists"; status: string };
  createRuns: unknown[];
  createSession: number;
  createToken: number;
  delayStart: { kind: "moved"; jobId: string; supersededJob: string; version: string; flow: string } | { kind: "started" } | { kind: "missing" };
  deleteLookup: number;
  deleteToken: { kind: "deleted"; tags: string; idempotencyKey: string; createdAt: string } | { kind: "keep"; next: string } | { kind: "gone" };
  deliverInput: { kind: "resumed"; entryId: string; runId: string; jobId: string; taskId: string; waitedSince: string; claim: string[]; warmWorker: string; supersededJob: string } | { kind: "buffered"; entryId: string };
  dropWarm: number;
  dumpSession: unknown[];
  eraseSession: { runs: string[]; tokens: string[]; session: string[]; schedules: string[] } | null;
  expireRun: { kind: "expired" | "kept"; status: string; parent: string; job: string; version: string };
  extendLock: number;
  failAttempt: { kind: "retry"; jobId: string; runAt: string } | { kind: "failed" };
  forgetUnattendedChanges: number;
  parkRun: { wakeJobId: string };
  pinRun: number;
  readHistory: { payload: string; chunks: string[] };
  readInputs: string;
  releaseExecution: { jobId: string };
  releaseSlot: { dispatch: string[]; nextTimerAt: string };
  releaseWaiter: number;
  removeWaiting: number;
  renewSlots: number;
  rescheduleDue: number;
  resolveWait: { jobId: string; taskId: string; waitedSince: string; claim: string[]; warmWorker: string; supersededJob: string } | null;
  retryRun: { kind: "retried"; jobId: string; version: string };
  setLimits: { dispatch: string[]; nextTimerAt: string; limits: string };
  settleBatch: { jobId: string; taskId: string; waitedSince: string; claim: string[]; warmWorker: string; supersededJob: string } | null;
  settleTokenTimeout: { kind: "completed" | "failed"; data: string } | { kind: "timed_out" };
  startExecution: { kind: "run"; fence: number; attempt: number; activeMs: string; carried: string; payload: string; chunks: string[]; waitedSince: string; resumedPosition: number | string; resumedResult: string; parent: string; schedule: string } | { kind: "stale"; status: string; expectedJob: string; runAt: string; version: string } | { kind: "otherVersion"; version: string } | { kind: "finished"; status: string; endedNow: string } | { kind: "failed" };
  sweepSession: { kind: "erase" | "close" | "keep" | "gone"; next: string; deleted: string[] };
  sweepSlots: { dispatch: string[]; nextTimerAt: string };
  upgradeRun: { kind: "upgraded"; status: string; job: string; runAt: string; warm: string } | { kind: "moved" };
  waitFirst: { kind: "won"; key: string; result: string } | { kind: "parked"; wakeJobId: string };
  waitForInput: { kind: "consumed"; entryId: string; data: string } | { kind: "parked"; timeoutJobId: string } | { kind: "empty" };
  watchToken: { kind: "completed" | "failed"; data: string } | { kind: "timed_out" } | { kind: "waiting"; timeoutAt: string };
  withdrawSlot: { withdrawn: string };
  writeJournal: number;
}
