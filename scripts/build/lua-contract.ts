// Writes libs/broker/src/lua/contract.generated.ts from the headers of lua/*.lua: each
// script's keys, named arguments, reply shapes, errors and change marks, so TypeScript
// calls a script by names the script itself declares. Run after changing a header:
// `node --conditions=@helmr/source --import tsx scripts/build/lua-contract.ts`;
// test/unit/lua-contract.test.ts fails until the two agree, and when a header and its
// script disagree. The header grammar is in CONTRIBUTING.md (Lua).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const LUA_SOURCE_DIR = fileURLToPath(new URL("../../lua/", import.meta.url));
export const CONTRACT_FILE = fileURLToPath(new URL("../../libs/broker/src/lua/contract.generated.ts", import.meta.url));

/** A reply field: its name and TypeScript type (string unless the header says `:integer`, `:list` or a union). */
export interface ReplyField {
  name: string;
  type: string;
}

/** One shape a tuple reply takes: its tags (the first element, `[]` for an untagged tuple) and the fields after them. */
export interface ReplyVariant {
  tags: string[];
  fields: ReplyField[];
}

export type ReplyShape = { type: "integer" | "string" | "list" } | { type: "tuple"; variants: ReplyVariant[] };

export interface ScriptHeader {
  /** The script's file, `<name>-<number of keys>.lua`. */
  file: string;
  name: string;
  keys: string[];
  args: string[];
  /** The name of the variadic arguments after `args` (`@arg ...name`), or null. */
  rest: string | null;
  reply: ReplyShape;
  errors: string[];
  /** What a run of the script marks for snapshots and retention (run-script.ts). */
  marks: "none" | "unit" | "retention";
}

const FIELD_TYPES: Record<string, string> = { integer: "number", list: "string[]", "integer|string": "number | string" };

/** Reads the `@` lines of a script's `--[[ ]]` header; throws with the script's name on anything malformed. */
export function parseScriptHeader(file: string, source: string): ScriptHeader {
  const name = /^(\w+)-\d+\.lua$/.exec(file)?.[1];
  const header = /^--\[\[\n([\s\S]*?)\n\]\]/.exec(source)?.[1];
  if (!name || header === undefined) throw new Error(`${file}: a script starts with a --[[ ]] header and is named verb-N.lua`);
  const script: ScriptHeader = { file, name, keys: [], args: [], rest: null, reply: { type: "integer" }, errors: [], marks: "none" };
  const replies: string[] = [];
  for (const line of header.split("\n")) {
    const tag = /^\s*@(\w+)\s+(.*)$/.exec(line);
    if (!tag) continue;
    const [, kind, text] = tag;
    const word = text.split(/\s+/)[0];
    if (kind === "key") script.keys.push(identifier(file, word));
    else if (kind === "arg" && word.startsWith("...")) script.rest = identifier(file, word.slice(3));
    else if (kind === "arg") {
      if (script.rest) throw new Error(`${file}: @arg ${word} after the variadic @arg ...${script.rest}`);
      script.args.push(identifier(file, word));
    } else if (kind === "reply") replies.push(text);
    else if (kind === "error") script.errors.push(...text.split(/\s+/).filter((error) => /^[A-Z]\w+$/.test(error)));
    else if (kind === "marks" && (word === "unit" || word === "retention")) script.marks = word;
    else throw new Error(`${file}: unknown header line "@${kind} ${text}"`);
  }
  if (replies.length === 0) throw new Error(`${file}: the header names no @reply`);
  if (file !== `${name}-${script.keys.length}.lua`) throw new Error(`${file}: the header names ${script.keys.length} keys`);
  script.reply = parseReply(file, replies);
  return script;
}

function identifier(file: string, word: string): string {
  if (!/^[a-z]\w*$/.test(word)) throw new Error(`${file}: "${word}" is not a name (lowerCamelCase)`);
  return word;
}

function parseReply(file: string, replies: string[]): ReplyShape {
  const scalar = /^(integer|string|list)\b/.exec(replies[0]);
  if (scalar) {
    if (replies.length > 1) throw new Error(`${file}: a scalar @reply has one shape`);
    return { type: scalar[1] as "integer" | "string" | "list" };
  }
  const variants = replies.map((text) => {
    const tuple = /^\{([^}]*)\}/.exec(text);
    if (!tuple) throw new Error(`${file}: @reply ${text}: a reply is integer, string, list or a {tuple}`);
    const parts = tuple[1]
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    const tagged = parts[0]?.startsWith('"');
    const tags = tagged ? parts[0].split("|").map((tag) => JSON.parse(tag) as string) : [];
    const fields = (tagged ? parts.slice(1) : parts).map((part) => {
      const [fieldName, type = "string"] = part.split(":");
      return { name: identifier(file, fieldName), type: type === "string" ? "string" : (FIELD_TYPES[type] ?? fail(`${file}: unknown field type ${type}`)) };
    });
    return { tags, fields };
  });
  if (variants.some((variant) => variant.tags.length > 0) && variants.some((variant) => variant.tags.length === 0 && variant.fields.length > 0))
    throw new Error(`${file}: a reply's shapes are all tagged or all untagged`);
  return { type: "tuple", variants };
}

const fail = (message: string): never => {
  throw new Error(message);
};

export function readScriptHeaders(dir = LUA_SOURCE_DIR): ScriptHeader[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".lua"))
    .sort()
    .map((file) => parseScriptHeader(file, readFileSync(join(dir, file), "utf8")));
}

/** The TypeScript type of a script's decoded reply. */
function replyType(reply: ReplyShape): string {
  if (reply.type !== "tuple") return { integer: "number", string: "string", list: "unknown[]" }[reply.type];
  return reply.variants
    .map((variant) => {
      const fields = variant.fields.map((field) => `${field.name}: ${field.type}`);
      if (variant.tags.length > 0) fields.unshift(`kind: ${variant.tags.map((tag) => JSON.stringify(tag)).join(" | ")}`);
      return fields.length > 0 ? `{ ${fields.join("; ")} }` : "null";
    })
    .join(" | ");
}

export function contractModule(scripts = readScriptHeaders()): string {
  const table = scripts.map((script) => {
    const { name, file: _file, ...contract } = script;
    return `  ${name}: ${JSON.stringify({ ...contract, reply: compactReply(script.reply) })},`;
  });
  const types = (pick: (script: ScriptHeader) => string) => scripts.map((script) => `  ${script.name}: ${pick(script)};`);
  const union = (names: string[]) => (names.length > 0 ? names.map((n) => JSON.stringify(n)).join(" | ") : "never");
  return [
    "// Generated from the headers of lua/*.lua by scripts/build/lua-contract.ts: do not edit by hand.",
    "// Each script's keys and arguments by name, in the order the script reads them, its reply's",
    "// shapes, the errors it may return and what a run of it marks (run-script.ts).",
    "",
    "export const SCRIPT_CONTRACTS = {",
    ...table,
    "} as const;",
    "",
    "export type ScriptName = keyof typeof SCRIPT_CONTRACTS;",
    "",
    "/** The names of each script's KEYS. */",
    "export interface ScriptKeyNames {",
    ...types((script) => union(script.keys)),
    "}",
    "",
    "/** The names of each script's ARGV (a variadic tail is passed as `rest`). */",
    "export interface ScriptArgNames {",
    ...types((script) => union(script.args)),
    "}",
    "",
    "/** The scripts that take a variadic tail of arguments. */",
    `export type VariadicScript = ${union(scripts.filter((script) => script.rest).map((script) => script.name))};`,
    "",
    "/** Each script's reply, decoded: a tuple's fields by name (a tagged tuple's tag as `kind`; an empty tuple as null). */",
    "export interface ScriptReplies {",
    ...types((script) => replyType(script.reply)),
    "}",
    "",
  ].join("\n");
}

/** What the runner needs to decode a reply: tags and field names, not their types. */
function compactReply(reply: ReplyShape): unknown {
  if (reply.type !== "tuple") return reply;
  return { type: "tuple", variants: reply.variants.map((variant) => ({ tags: variant.tags, fields: variant.fields.map((field) => field.name) })) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(CONTRACT_FILE, contractModule());
