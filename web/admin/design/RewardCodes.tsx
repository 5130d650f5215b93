/** The import of a pool reward's voucher codes: typed one per line, or read from a CSV file. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type ChangeEvent, type FormEvent, useState } from "react";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, formatNumber, Notice } from "../../shared/ui.tsx";
import { importCodes, type Reward, rewardKeys } from "../api/rewards.ts";
import { errorAt, TextArea } from "./common.tsx";
import { lines } from "./form-values.ts";

/** Codes from a CSV or text file: the first column of each line, without a "code" header. */
export function codesFromCsv(text: string): string[] {
  return lines(text)
    .map((line) => (line.split(/[,;\t]/)[0] ?? "").replace(/^"|"$/g, "").trim())
    .filter((code, i) => code && !(i === 0 && /^codes?$/i.test(code)));
}

export function CodesImport({ reward }: { reward: Reward }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const upload = useMutation({
    mutationFn: () => sendOnce((o) => importCodes(reward.id, { codes: lines(text) }, o)),
    onSuccess: () => {
      setText("");
      void queryClient.invalidateQueries({ queryKey: rewardKeys.all });
      void queryClient.invalidateQueries({ queryKey: rewardKeys.one(reward.id) });
    },
  });
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const codes = codesFromCsv(await file.text());
    setText((prev) => [...lines(prev), ...codes].join("\n"));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    upload.mutate();
  };
  const firstBad = upload.error ? errorAt(upload.error, "codes") : undefined;
  const r = upload.data;
  return (
    <section className="panel" aria-labelledby="codes-heading" style={{ marginTop: "1.5rem" }}>
      <h2 id="codes-heading" style={{ marginTop: 0 }}>
        Voucher codes
      </h2>
      <p>{formatNumber(reward.codesAvailable ?? 0)} imported codes not yet handed out.</p>
      <form onSubmit={submit} noValidate aria-label="Import codes">
        <TextArea
          label="Codes to import (one per line)"
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={firstBad}
        />
        <div className="field">
          <label htmlFor="codes-file">Or read them from a CSV file (first column)</label>
          <input id="codes-file" type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void onFile(e)} />
        </div>
        <ErrorAlert error={upload.error} />
        {r && (
          <Notice>
            Imported {formatNumber(r.imported)} codes
            {r.skipped.length > 0 && ` (${r.skipped.length} already known, skipped: ${r.skipped.slice(0, 5).join(", ")})`}.{" "}
            {formatNumber(r.codesAvailable)} available.
          </Notice>
        )}
        <button type="submit" disabled={upload.isPending || lines(text).length === 0}>
          {upload.isPending ? "Importing…" : "Import codes"}
        </button>
      </form>
    </section>
  );
}
