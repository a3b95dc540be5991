export { defineScripts, loadLuaScripts, LUA_DIR } from "./loader.ts";
export type { ScriptName, ScriptReplies } from "./contract.generated.ts";
export { callScript, callScriptAfter, decodeReply, queueScript, type ScriptCall } from "./run-script.ts";
export { ScriptError, ExecutionRefusedError, scriptError } from "./script-errors.ts";
