import { describe, expect, it } from "vitest";
import { type OpenApiDocument, withAnswerShapes } from "./openapi-document.ts";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const object = (properties: Record<string, unknown>, required: string[] = []) => ({ type: "object", properties, required });
const defaulted = { type: "integer", default: 0 };

/** A document with one operation: `body` as its request body and `answer` as its 200. */
const doc = (body: unknown, answer: unknown, schemas: Record<string, unknown>): OpenApiDocument =>
  ({
    openapi: "3.1.0",
    paths: { "/x": { post: { requestBody: json(body), responses: { 200: json(answer) } } } },
    components: { schemas },
  }) as OpenApiDocument;

/** The shape of the test's own small operation, read back. */
interface Operation {
  requestBody: { content: { "application/json": { schema: unknown } } };
  responses: { 200: { content: { "application/json": { schema: unknown } } } };
}
const operation = (d: OpenApiDocument) => d.paths?.["/x"]?.post as unknown as Operation;
const bodyOf = (d: OpenApiDocument) => operation(d).requestBody.content["application/json"].schema;
const answerOf = (d: OpenApiDocument) => operation(d).responses[200].content["application/json"].schema;

describe("withAnswerShapes", () => {
  it("requires an answer's defaulted fields, at any depth, and leaves a request's as they are", () => {
    const out = withAnswerShapes(
      doc(object({ n: defaulted }, []), object({ inner: object({ n: defaulted, m: { type: "string" } }, ["m"]) }), {}),
    );
    expect(bodyOf(out)).toEqual(object({ n: defaulted }, []));
    expect(answerOf(out)).toEqual(object({ inner: object({ n: defaulted, m: { type: "string" } }, ["m", "n"]) }));
  });

  it("splits a shared component whose answer form differs: X for answers, XInput for requests", () => {
    const out = withAnswerShapes(doc(ref("X"), ref("X"), { X: object({ n: defaulted }) }));
    expect(out.components?.schemas).toEqual({ X: object({ n: defaulted }, ["n"]), XInput: object({ n: defaulted }) });
    expect(bodyOf(out)).toEqual(ref("XInput"));
    expect(answerOf(out)).toEqual(ref("X"));
  });

  it("splits a shared parent of a split component, so requests reach only request forms", () => {
    const schemas = { P: object({ child: ref("X"), name: { type: "string" } }, ["name"]), X: object({ n: defaulted }) };
    const out = withAnswerShapes(doc(ref("P"), ref("P"), schemas));
    expect(out.components?.schemas?.PInput).toEqual(object({ child: ref("XInput"), name: { type: "string" } }, ["name"]));
    expect(out.components?.schemas?.P).toEqual(object({ child: ref("X"), name: { type: "string" } }, ["name"]));
  });

  it("keeps one component where both forms are the same, and renames nothing in examples or defaults", () => {
    const schemas = { Y: object({ s: { type: "string", example: { $ref: "#/components/schemas/Y" } } }, ["s"]) };
    const out = withAnswerShapes(doc(ref("Y"), ref("Y"), schemas));
    expect(out.components?.schemas).toEqual(schemas);
  });

  it("refuses to split into a name another schema already has", () => {
    expect(() => withAnswerShapes(doc(ref("X"), ref("X"), { X: object({ n: defaulted }), XInput: object({}) }))).toThrow(
      /XInput, which is taken/,
    );
  });
});
