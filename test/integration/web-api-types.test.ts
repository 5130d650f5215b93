import { describe, expect, it } from "vitest";
import { fetchOpenApiDocument, readCommittedApiTypes, renderApiTypes } from "../../bin/gen-api-types.ts";

/**
 * The web apps' API types (web/shared/api/openapi.gen.ts) are generated from the server's own
 * OpenAPI document: a route or schema change that moves the contract must regenerate them.
 */
describe("web API types", () => {
  it("match the server's OpenAPI document", async () => {
    const fresh = await renderApiTypes(await fetchOpenApiDocument());
    const committed = await readCommittedApiTypes();
    expect(
      committed === fresh,
      "web/shared/api/openapi.gen.ts is stale: the OpenAPI document changed. Run `npm run gen:api` and commit the result.",
    ).toBe(true);
  });
});
