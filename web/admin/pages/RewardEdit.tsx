import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { ErrorAlert, Notice } from "../../shared/ui.tsx";
import { getReward, rewardKeys } from "../api/rewards.ts";
import { CodesImport } from "../design/RewardCodes.tsx";
import { RewardForm } from "../design/RewardForm.tsx";

/** Create a reward, or edit one; a pool reward also takes its voucher codes here. */
export default function RewardEdit() {
  const { rewardId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const reward = useQuery({
    queryKey: rewardKeys.one(rewardId),
    queryFn: () => getReward(rewardId ?? ""),
    enabled: Boolean(rewardId),
  });
  if (rewardId && reward.error) return <ErrorAlert error={reward.error} />;
  if (rewardId && !reward.data) return <p>Loading…</p>;
  const current = reward.data ?? null;
  return (
    <>
      <p>
        <Link to="/rewards">← Rewards</Link>
      </p>
      <h1>{current ? `Reward: ${current.name}` : "New reward"}</h1>
      {current && (location.state as { created?: boolean } | null)?.created && <Notice>Reward created.</Notice>}
      <RewardForm
        key={current?.id ?? "new"}
        reward={current}
        onSaved={(saved) => {
          if (!current) navigate(`/rewards/${saved.id}`, { replace: true, state: { created: true } });
        }}
      />
      {current?.codeFormat.type === "pool" && <CodesImport reward={current} />}
    </>
  );
}
