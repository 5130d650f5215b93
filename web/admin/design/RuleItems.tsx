import { Field } from "../../shared/ui.tsx";
import type { DraftFields } from "./rule-draft.ts";

/** The items a purchase earns on: only these SKUs, categories or brands, or all but these. */
export function RuleItems({ d, set, err }: DraftFields) {
  return (
    <>
      <h3>Eligible items</h3>
      <p className="muted">Blank: the whole purchase. Comma-separated lists.</p>
      <div className="grid">
        <Field
          label="Only SKUs"
          value={d.onlySkus}
          onChange={(e) => set("onlySkus", e.target.value)}
          error={err("items.include.skus")}
        />
        <Field
          label="Only categories"
          value={d.onlyCategories}
          onChange={(e) => set("onlyCategories", e.target.value)}
          error={err("items.include.categories")}
        />
        <Field
          label="Only brands"
          value={d.onlyBrands}
          onChange={(e) => set("onlyBrands", e.target.value)}
          error={err("items.include.brands")}
        />
        <Field
          label="Except SKUs"
          value={d.exceptSkus}
          onChange={(e) => set("exceptSkus", e.target.value)}
          error={err("items.exclude.skus")}
        />
        <Field
          label="Except categories"
          value={d.exceptCategories}
          onChange={(e) => set("exceptCategories", e.target.value)}
          error={err("items.exclude.categories")}
        />
        <Field
          label="Except brands"
          value={d.exceptBrands}
          onChange={(e) => set("exceptBrands", e.target.value)}
          error={err("items.exclude.brands")}
        />
      </div>
    </>
  );
}
