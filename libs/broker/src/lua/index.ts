export { defineScripts, execWithScript, loadLuaScripts, runScript, LUA_DIR, type ScriptName } from "./loader.ts";
export { ScriptError, ExecutionRefusedError, isScriptError, scriptError } from "./script-errors.ts";
