import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import QRCode from "qrcode";
import { useEffect, useId, useState } from "react";
import { Link } from "react-router";
import { ErrorAlert } from "../../shared/ui.tsx";
import { getLinks, markChecklist, setupKeys } from "../api/setup.ts";
import "./setup.css";

/** The portal URL as an SVG QR code (a data: URL for an <img>: crisp when printed, no markup injected). */
function useQrCode(url: string | undefined): string | null {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return;
    let live = true;
    QRCode.toString(url, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then((svg) => {
      if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      live = false;
    };
  }, [url]);
  return src;
}

function CopyField({ label, value, onCopied }: { label: string; value: string; onCopied?: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard (plain http on another host): the text is selectable beside the button.
    }
    onCopied?.();
  };
  return (
    <div className="link-row">
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input id={id} readOnly value={value} onFocus={(e) => e.target.select()} />
        <button type="button" className="secondary" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}

/**
 * The programme's id and links on the settings page: the member portal (with a printable counter
 * card carrying its QR code), the till, the console; and, for operators, another programme.
 */
export function ProgramLinks({ programName }: { programName: string }) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const links = useQuery({ queryKey: setupKeys.links, queryFn: getLinks });
  const qr = useQrCode(links.data?.portalUrl);
  // Copying or printing the portal link ticks "share your portal link" on the checklist.
  const shared = useMutation({
    mutationFn: () => markChecklist("portal_link_shared"),
    onSuccess: (data) => queryClient.setQueryData(setupKeys.checklist, data),
  });
  const print = () => {
    shared.mutate();
    window.print();
  };
  if (links.error) return <ErrorAlert error={links.error} />;
  const data = links.data;
  return (
    <section className="panel program-links" id="links" aria-labelledby={headingId}>
      <h2 id={headingId} style={{ marginTop: 0 }}>
        Your programme’s links
      </h2>
      {data && (
        <div className="links-columns">
          <div>
            <CopyField label="Programme id" value={data.programId} />
            <CopyField label="Member portal: share it with customers" value={data.portalUrl} onCopied={() => shared.mutate()} />
            <CopyField label="Point of sale (till): open it on the shop's tablet or computer" value={data.tillUrl} />
            <CopyField label="Console sign-in for your staff" value={data.consoleUrl} />
            <p className="muted">
              Another business? <Link to="/setup">Create another programme</Link> (needs the operator key).
            </p>
          </div>
          <figure className="counter-card" aria-label="Counter card">
            <div className="counter-card-name">{programName}</div>
            <div className="counter-card-call">Join our rewards. Scan to collect points.</div>
            {qr ? <img src={qr} alt={`QR code for ${data.portalUrl}`} width={200} height={200} /> : <div className="qr-slot" />}
            <figcaption>{data.portalUrl}</figcaption>
            <button type="button" className="no-print" onClick={print}>
              Print counter card
            </button>
          </figure>
        </div>
      )}
    </section>
  );
}
