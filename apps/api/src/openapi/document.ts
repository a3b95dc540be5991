import * as core from "@helmr/core";
import { z } from "zod";
import type { Credential, RouteDefinition, RouteDoc } from "../framework/types.ts";

/**
 * The OpenAPI 3.1 document of the API, generated from each route's `doc` (framework/types.ts)
 * with zod 4's JSON Schema output (OpenAPI 3.1 schemas are JSON Schema 2020-12). Records the
 * routes return are named components; a route's own response shape is a component named
 * after its operation. Built once per app (routes/openapi.ts).
 */

/** The records that get a name under components.schemas: the shapes clients meet everywhere. */
const NAMED_RECORDS = {
  ErrorBody: core.ErrorBody,
  SessionRecord: core.SessionRecord,
  SessionDetail: core.SessionDetail,
  RunRecord: core.RunRecord,
  RunError: core.RunError,
  RunEvent: core.RunEvent,
  JournalOperation: core.JournalOperation,
  WaitingOn: core.WaitingOn,
  WaitRecord: core.WaitRecord,
  InputEntry: core.InputEntry,
  OutputEntry: core.OutputEntry,
  SendInputResult: core.SendInputResult,
  TriggerResult: core.TriggerResult,
  TokenRecord: core.TokenRecord,
  CreatedToken: core.CreatedToken,
  TokenCompletion: core.TokenCompletion,
  TokenOutcome: core.TokenOutcome,
  PublicTokenRecord: core.PublicTokenRecord,
} satisfies Record<string, z.ZodType>;

/** Errors any route may answer: bad input, credentials, unknown ids, body limits, Redis down. */
const COMMON_ERRORS: Record<number, string> = {
  400: "The request could not be read (bad JSON, empty body where one is needed)",
  401: "Missing or wrong credential",
  404: "No such resource (or route)",
  413: "The body or a payload in it is too large",
  415: "The body is not JSON",
  422: "The body, query or a path parameter does not fit its schema; `issues` locate each problem",
  503: "Redis is unreachable; nothing was done. Retry after the Retry-After header's seconds",
};
const ROUTE_ERRORS: Record<number, string> = {
  403: "The public access token does not allow this (scope or uses spent)",
  409: "The resource's state refuses this (finished run, closed session, settled token); `code` says which",
};

const SECURITY_SCHEMES = {
  secretKey: { type: "http", scheme: "bearer", description: "A secret key, one of HELMR_API_KEYS. Opens every route." },
  publicAccessToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "pat_…",
    description: "A scoped public access token (POST /api/v1/auth/public-tokens, or a token's publicAccessToken), for browsers; only the routes that list it",
  },
  metricsToken: { type: "http", scheme: "bearer", description: "HELMR_METRICS_TOKEN: opens GET /metrics only" },
} as const;

const CALLBACK_NOTE = "The credential is the secret in the path (the token's callbackUrl), so this route takes no header.";

export interface DocumentedRoute {
  route: RouteDefinition;
  /** The path as served, with the /api/v1 prefix where the route has it. */
  path: string;
  /** Behind /api/v1's bearer check (a secret key, or a public access token where the route accepts one). */
  authenticated: boolean;
}

export function buildOpenApiDocument(routes: DocumentedRoute[], version: string): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(NAMED_RECORDS)) registry.add(schema, { id });
  // A route's own response shape is named after its operation (`ListRuns`), with the
  // status when one operation answers two shapes.
  const refOf = (schema: z.ZodType, operationId: string, status: string): string => {
    let id = registry.get(schema)?.id;
    if (id === undefined) {
      id = `${capitalize(operationId)}Response`;
      if ([...Object.keys(NAMED_RECORDS), ...routeShapes].includes(id)) id += status;
      routeShapes.push(id);
      registry.add(schema, { id });
    }
    return `#/components/schemas/${id}`;
  };
  const routeShapes: string[] = [];

  const paths: Record<string, Record<string, unknown>> = {};
  for (const { route, path, authenticated } of routes) {
    const { doc } = route;
    const responses: Record<string, unknown> = {};
    for (const [status, shape] of Object.entries(doc.responses)) {
      responses[status] = responseOf(shape, (schema) => refOf(schema, doc.operationId, status), doc);
    }
    for (const status of [...Object.keys(COMMON_ERRORS).map(Number), ...(doc.errors ?? [])].sort((a, b) => a - b)) {
      if (responses[status]) continue;
      responses[status] = {
        description: COMMON_ERRORS[status] ?? ROUTE_ERRORS[status],
        content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
      };
    }
    const credentials = credentialsOf(route, authenticated);
    const operation: Record<string, unknown> = {
      operationId: doc.operationId,
      summary: doc.summary,
      ...(credentials.includes("callbackSecret") ? { description: CALLBACK_NOTE } : {}),
      security: credentials.filter((c) => c !== "callbackSecret").map((c) => ({ [c]: [] })),
      parameters: [...pathParameters(path, doc), ...queryParameters(doc)],
      ...(doc.body ? { requestBody: requestBodyOf(doc.body, !isOptionalBody(doc.body)) } : {}),
      responses,
    };
    const openApiPath = path.replace(/:(\w+)/g, "{$1}");
    (paths[openApiPath] ??= {})[route.method] = operation;
  }

  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: "any" });
  return {
    openapi: "3.1.0",
    info: {
      title: "Helmr API",
      version,
      description:
        "Durable waits for long-running TypeScript tasks: sessions, their input and output streams, runs, waits and tokens. Every error has the one shape ErrorBody.",
    },
    servers: [{ url: "/" }],
    security: [{ secretKey: [] }],
    paths,
    components: { schemas: Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutDialect(schema)])), securitySchemes: SECURITY_SCHEMES },
  };
}

function credentialsOf(route: RouteDefinition, authenticated: boolean): Credential[] {
  if (!authenticated) return route.doc.credentials ?? [];
  return route.acceptsPublicToken ? ["secretKey", "publicAccessToken"] : ["secretKey"];
}

function responseOf(shape: RouteDoc["responses"][number], refOf: (schema: z.ZodType) => string, doc: RouteDoc): Record<string, unknown> {
  if (shape === null) return { description: "No content" };
  if (!(shape instanceof z.ZodType)) return { description: shape.description, content: { [shape.mediaType]: { schema: { type: "string" } } } };
  const content: Record<string, unknown> = { "application/json": { schema: { $ref: refOf(shape) } } };
  if (doc.eventStream) content["text/event-stream"] = { schema: { type: "string", description: doc.eventStream } };
  return { description: shape.description ?? "OK", content };
}

function pathParameters(path: string, doc: RouteDoc): unknown[] {
  return [...path.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: doc.params?.[name] ? inputSchemaOf(doc.params[name]) : { type: "string" },
  }));
}

function queryParameters(doc: RouteDoc): unknown[] {
  if (!doc.query) return [];
  const schema = inputSchemaOf(doc.query) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: schema.required?.includes(name) ?? false,
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

function requestBodyOf(body: z.ZodType, required: boolean): Record<string, unknown> {
  return { required, content: { "application/json": { schema: inputSchemaOf(body) } } };
}

/** A body whose every field is optional may be left out (framework/input.ts takes it as `{}`). */
function isOptionalBody(body: z.ZodType): boolean {
  return body instanceof z.ZodObject && Object.values(body.shape).every((field) => (field as z.ZodType).safeParse(undefined).success);
}

/** Requests are documented as what a client sends (zod's input side: before defaults and coercion). */
const inputSchemaOf = (schema: z.ZodType): Record<string, unknown> => withoutDialect(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));

/** The document declares the dialect once (OpenAPI 3.1 is JSON Schema 2020-12); each schema need not. */
function withoutDialect(schema: object): Record<string, unknown> {
  const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}

const capitalize = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
