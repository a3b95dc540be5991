export { defineScripts, loadLuaScripts, LUA_DIR, type ScriptName } from "./loader.ts";
export { execWithScript, runScript } from "./run-script.ts";
export { ScriptError, ExecutionRefusedError, isScriptError, scriptError } from "./script-errors.ts";
