/**
 * The API as the web apps call it, typed by the server's own OpenAPI document (openapi.gen.ts,
 * `npm run gen:api`): paths, path parameters, queries, bodies and answers. A path, parameter or
 * field the server does not have does not compile. Requests go through http.ts.
 */

import { type Query, type RequestOptions, request, withQuery } from "./http.ts";
import type { components, paths } from "./openapi.gen.ts";

/** A named schema of the API (`Schema<"Member">`), as openapi.gen.ts has it. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

type Method = "get" | "post" | "put" | "patch" | "delete";

/** The API's paths that answer `method`. */
export type PathWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends undefined ? never : P }[keyof paths];

type Operation<P extends PathWith<M>, M extends Method> = NonNullable<paths[P][M]>;

type JsonOf<Response> = Response extends { content: { "application/json": infer T } } ? T : undefined;

type Responses<P extends PathWith<M>, M extends Method> = Operation<P, M> extends { responses: infer R } ? R : never;

/** The JSON a successful call answers (its 200, else its 201, else its 202: accepted, such as a queued job). */
export type Answer<P extends PathWith<M>, M extends Method = "get"> =
  Responses<P, M> extends { 200: infer R }
    ? JsonOf<R>
    : Responses<P, M> extends { 201: infer R }
      ? JsonOf<R>
      : Responses<P, M> extends { 202: infer R }
        ? JsonOf<R>
        : undefined;

/** The JSON body a call takes (never when it takes none). */
export type Body<P extends PathWith<M>, M extends Method> =
  Operation<P, M> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

type PathParams<P extends PathWith<M>, M extends Method> = Operation<P, M> extends { parameters: { path: infer T } } ? T : never;

type QueryParams<P extends PathWith<M>, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/**
 * A body as the apps send it: a field may be left out or null (a blank form field), so the API
 * answers with its own message for it; the forms do not validate by themselves.
 */
export type Sent<T> = T extends readonly (infer U)[] ? Sent<U>[] : T extends object ? { [K in keyof T]?: Sent<T[K]> | null } : T;

/** A query as a page holds it: a blank or unset filter is left out of the URL (see withQuery). */
type QueryOf<Q> = { [K in keyof Q]?: Q[K] | "" | null };

type Empty = Record<never, never>;
type PathPart<P extends PathWith<M>, M extends Method> = [PathParams<P, M>] extends [never] ? Empty : { path: PathParams<P, M> };
type QueryPart<P extends PathWith<M>, M extends Method> = [QueryParams<P, M>] extends [never]
  ? Empty
  : { query?: QueryOf<QueryParams<P, M>> };
type BodyPart<P extends PathWith<M>, M extends Method> = [Body<P, M>] extends [never]
  ? Empty
  : Operation<P, M> extends { requestBody: unknown }
    ? { body: Sent<Body<P, M>> }
    : { body?: Sent<Body<P, M>> };

/** What a call takes besides its path: the path's parameters, its query and its body, as the document names them. */
export type Init<P extends PathWith<M>, M extends Method> = PathPart<P, M> & QueryPart<P, M> & BodyPart<P, M>;

type Args<P extends PathWith<M>, M extends Method> =
  Empty extends Init<P, M> ? [init?: Init<P, M>, options?: RequestOptions] : [init: Init<P, M>, options?: RequestOptions];

interface LooseInit {
  path?: Record<string, string>;
  query?: Query;
  body?: unknown;
}

/** "/v1/members/{memberId}" with { memberId: "mem_1" } -> "/v1/members/mem_1", then the query. */
export function urlOf(template: string, init: LooseInit = {}): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = init.path?.[name];
    if (value === undefined) throw new Error(`${template}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  return withQuery(path, init.query);
}

function call<T>(method: string, path: string, init: LooseInit | undefined, options: RequestOptions | undefined): Promise<T> {
  // Changes always send a JSON body (an empty one when the call takes none), as the API expects.
  const body = method === "GET" ? undefined : (init?.body ?? {});
  return request<T>(method, urlOf(path, init), body, options);
}

/**
 * The API, typed by its OpenAPI document: `api.get("/v1/members/{memberId}", { path: { memberId } })`
 * answers a MemberDetail; a path, parameter or body the server does not have does not compile.
 */
export const api = {
  get: <P extends PathWith<"get">>(path: P, ...[init, options]: Args<P, "get">) =>
    call<Answer<P, "get">>("GET", path, init as LooseInit | undefined, options),
  post: <P extends PathWith<"post">>(path: P, ...[init, options]: Args<P, "post">) =>
    call<Answer<P, "post">>("POST", path, init as LooseInit | undefined, options),
  put: <P extends PathWith<"put">>(path: P, ...[init, options]: Args<P, "put">) =>
    call<Answer<P, "put">>("PUT", path, init as LooseInit | undefined, options),
  patch: <P extends PathWith<"patch">>(path: P, ...[init, options]: Args<P, "patch">) =>
    call<Answer<P, "patch">>("PATCH", path, init as LooseInit | undefined, options),
  delete: <P extends PathWith<"delete">>(path: P, ...[init, options]: Args<P, "delete">) =>
    call<Answer<P, "delete">>("DELETE", path, init as LooseInit | undefined, options),
};
