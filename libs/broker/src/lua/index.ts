export { defineScripts, loadLuaScripts, runScript, scriptResult, LUA_DIR, type ScriptName } from "./loader.ts";
export { ScriptError, ExecutionRefusedError, isScriptError, scriptError } from "./script-errors.ts";
